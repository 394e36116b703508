using System.ComponentModel;

namespace McpFunctions.Features.Calculator;

/// <summary>Exact arithmetic on two numbers: the smallest example of a tool, and the benchmark's subject.</summary>
[McpServerToolType]
internal sealed class CalculatorTools
{
    private const string Operand = "A finite number (JSON number, e.g. 2, -3.5 or 1e6).";

    [McpServerTool(Name = "calculator_add", Title = "Add", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Returns a + b.")]
    public static double Add([Description(Operand)] double a, [Description(Operand)] double b) => Finite(a + b, "a + b");

    [McpServerTool(Name = "calculator_subtract", Title = "Subtract", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Returns a - b.")]
    public static double Subtract([Description(Operand)] double a, [Description(Operand)] double b) => Finite(a - b, "a - b");

    [McpServerTool(Name = "calculator_multiply", Title = "Multiply", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Returns a × b.")]
    public static double Multiply([Description(Operand)] double a, [Description(Operand)] double b) => Finite(a * b, "a × b");

    [McpServerTool(Name = "calculator_divide", Title = "Divide", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Returns a ÷ b. b must not be 0.")]
    public static double Divide([Description(Operand)] double a, [Description("The divisor; a finite number other than 0.")] double b)
    {
        if (b == 0)
        {
            throw new InvalidArgumentException("Cannot divide by zero: 'b' must be a number other than 0.");
        }

        return Finite(a / b, "a ÷ b");
    }

    private static double Finite(double result, string expression) =>
        double.IsFinite(result)
            ? result
            : throw new InvalidArgumentException($"{expression} is too large to represent (it overflows a 64-bit floating-point number).");
}
