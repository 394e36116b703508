using System.Text.RegularExpressions;

namespace McpFunctions.Tests.Fixtures;

/// <summary>Checks that what a client sees carries no server internals (stack frames, exception or framework type names).</summary>
public static partial class ResponseBody
{
    public static void AssertRevealsNoInternals(string body)
    {
        Assert.That(StackFrame().IsMatch(body), Is.False, $"The response body contains a stack frame:\n{body}");
        Assert.That(body, Does.Not.Contain(".cs:line"), "The response body names a source line.");
        Assert.That(FrameworkTypeName().IsMatch(body), Is.False, $"The response body names a .NET type:\n{body}");
        Assert.That(ExceptionTypeName().IsMatch(body), Is.False, $"The response body names an exception type:\n{body}");
    }

    [GeneratedRegex(@"(^|\\n|\n)\s+at \S+", RegexOptions.Multiline)]
    private static partial Regex StackFrame();

    [GeneratedRegex(@"\b(System|Microsoft|ModelContextProtocol|Azure|McpFunctions)\.[A-Z]\w*")]
    private static partial Regex FrameworkTypeName();

    [GeneratedRegex(@"\b\w*Exception\b")]
    private static partial Regex ExceptionTypeName();
}
