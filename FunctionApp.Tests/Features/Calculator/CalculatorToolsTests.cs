using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Features.Calculator;

public sealed class CalculatorToolsTests
{
    [TestCase("calculator_add", 2, 3.5, "5.5")]
    [TestCase("calculator_subtract", 2, 3.5, "-1.5")]
    [TestCase("calculator_multiply", -4, 2.5, "-10")]
    [TestCase("calculator_divide", 1, 8, "0.125")]
    [TestCase("calculator_add", 1e6, 1e-6, "1000000.000001")]
    public async Task Each_calculator_tool_computes_its_operation(string tool, double a, double b, string expected)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        var result = await client.CallToolAsync(tool, new Dictionary<string, object?> { ["a"] = a, ["b"] = b });

        Assert.That(result.IsError, Is.Not.True, result.Text());
        Assert.That(result.Text(), Is.EqualTo(expected));
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Dividing_by_zero_is_a_tool_error_that_says_what_to_change(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();

        var result = await client.CallToolAsync("calculator_divide", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 0 });

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("Cannot divide by zero").And.Contain("'b' must be a number other than 0"));
    }

    [TestCase("calculator_multiply", 1e308, 10)]
    [TestCase("calculator_add", 1.7e308, 1.7e308)]
    [TestCase("calculator_subtract", -1.7e308, 1.7e308)]
    [TestCase("calculator_divide", 1e308, 1e-10)]
    public async Task A_result_that_overflows_is_a_tool_error(string tool, double a, double b)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        var result = await client.CallToolAsync(tool, new Dictionary<string, object?> { ["a"] = a, ["b"] = b });

        Assert.That(result.IsError, Is.True, result.Text());
        Assert.That(result.Text(), Does.Contain("too large to represent"));
    }
}
