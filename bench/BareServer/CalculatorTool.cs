using System.ComponentModel;
using ModelContextProtocol.Server;

namespace BareServer;

/// <summary>The same signature and metadata as McpFunctions' calculator_add, without its overflow check.</summary>
[McpServerToolType]
public sealed class CalculatorTool
{
    [McpServerTool(Name = "calculator_add", Title = "Add", ReadOnly = true, Idempotent = true, OpenWorld = false)]
    [Description("Returns a + b.")]
    public static double Add(
        [Description("A finite number (JSON number, e.g. 2, -3.5 or 1e6).")] double a,
        [Description("A finite number (JSON number, e.g. 2, -3.5 or 1e6).")] double b) => a + b;
}
