using System.Text.Json;
using McpFunctions.Mcp;
using McpFunctions.Tests.Conformance;

namespace McpFunctions.Tests.Mcp;

/// <summary>The argument check against a tool's input schema, without a server: one schema, every kind of mistake.</summary>
public sealed class ToolArgumentCheckTests
{
    private static readonly JsonElement Schema = JsonElement.Parse("""
        {
          "type": "object",
          "properties": {
            "title": { "type": "string", "minLength": 1, "maxLength": 5 },
            "count": { "type": "integer", "minimum": 1, "maximum": 10 },
            "ratio": { "type": ["number", "null"] },
            "flag": { "type": "boolean" },
            "mode": { "type": "string", "enum": ["fast", "slow"] },
            "tags": { "type": "array", "items": { "type": "string", "maxLength": 3 } },
            "options": { "type": "object" },
            "anything": {}
          },
          "required": ["title"]
        }
        """);

    private static IReadOnlyList<string> Check(string arguments) =>
        ToolArgumentCheck.Check(Schema, JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(arguments));

    [Test]
    public void Valid_arguments_pass()
    {
        Assert.That(Check("""{"title":"ab","count":3,"ratio":null,"flag":true,"mode":"fast","tags":["x","yz"],"options":{},"anything":[1]}"""), Is.Empty);
    }

    [Test]
    public void A_missing_required_argument_is_named()
    {
        Assert.That(Check("{}"), Is.EqualTo(new[] { "'title' is required." }));
        Assert.That(ToolArgumentCheck.Check(Schema, null), Is.EqualTo(new[] { "'title' is required." }));
    }

    [Test]
    public void An_unknown_argument_lists_the_known_ones()
    {
        Assert.That(Check("""{"title":"a","titel":"b"}"""),
            Is.EqualTo(new[] { "'titel' is not an argument of this tool; the arguments are: title, count, ratio, flag, mode, tags, options, anything." }));
    }

    [Test]
    public void A_tool_without_arguments_says_it_takes_none()
    {
        var problems = ToolArgumentCheck.Check(JsonElement.Parse("""{"type":"object"}"""), new Dictionary<string, JsonElement> { ["x"] = JsonElement.Parse("1") });

        Assert.That(problems, Is.EqualTo(new[] { "'x' is not an argument of this tool (it takes none)." }));
    }

    [TestCase("""{"title":5}""", "'title' must be a string, not the number 5.")]
    [TestCase("""{"title":"a","count":2.5}""", "'count' must be a whole number, not the number 2.5.")]
    [TestCase("""{"title":"a","count":"3"}""", "'count' must be a whole number, not a string.")]
    [TestCase("""{"title":"a","ratio":"x"}""", "'ratio' must be a number or null, not a string.")]
    [TestCase("""{"title":"a","flag":"yes"}""", "'flag' must be true or false, not a string.")]
    [TestCase("""{"title":"a","tags":"x"}""", "'tags' must be an array, not a string.")]
    [TestCase("""{"title":"a","options":[]}""", "'options' must be an object, not an array.")]
    [TestCase("""{"title":null}""", "'title' must be a string, not null.")]
    public void A_value_of_the_wrong_type_names_the_expected_type(string arguments, string problem)
    {
        Assert.That(Check(arguments), Is.EqualTo(new[] { problem }));
    }

    [TestCase("""{"title":""}""", "'title' must be at least 1 characters long.")]
    [TestCase("""{"title":"toolong"}""", "'title' must be at most 5 characters long (it is 7).")]
    [TestCase("""{"title":"a","count":0}""", "'count' must be at least 1.")]
    [TestCase("""{"title":"a","count":11}""", "'count' must be at most 10.")]
    [TestCase("""{"title":"a","mode":"medium"}""", "'mode' must be one of \"fast\", \"slow\".")]
    [TestCase("""{"title":"a","tags":["ok","long"]}""", "'tags[1]' must be at most 3 characters long (it is 4).")]
    [TestCase("""{"title":"a","tags":["ok",1]}""", "'tags[1]' must be a string, not the number 1.")]
    public void A_value_out_of_bounds_names_the_bound(string arguments, string problem)
    {
        Assert.That(Check(arguments), Is.EqualTo(new[] { problem }));
    }

    [Test]
    public void Every_problem_is_reported_at_once()
    {
        Assert.That(Check("""{"count":"x","flag":1,"extra":true}"""), Has.Count.EqualTo(4));
    }

    [Test]
    public void A_property_without_a_type_accepts_anything()
    {
        Assert.That(Check("""{"title":"a","anything":{"nested":[null]}}"""), Is.Empty);
    }
}
