using System.ComponentModel;
using McpFunctions.Sessions.State;

#pragma warning disable MCP9005 // the suite's logging scenario exercises 2025-11-25 logging
#pragma warning disable MCP9001 // the suite checks the deprecated (but still valid) enumNames form

namespace McpFunctions.Conformance;

/// <summary>
/// Tools the MCP conformance suite calls by name. Registered only with <c>Mcp:ConformanceFixtures</c> in Development
/// (no <c>[McpServerToolType]</c>, so assembly scanning never picks them up).
/// </summary>
internal sealed class ConformanceTools(ClientLog clientLog)
{
    [McpServerTool(Name = "test_simple_text"), Description("Returns a fixed text content block.")]
    public static string SimpleText() => "This is a simple text response for testing.";

    [McpServerTool(Name = "test_image_content"), Description("Returns a fixed 1x1 PNG image.")]
    public static CallToolResult ImageContent() => new() { Content = [ImageContentBlock.FromBytes(ConformanceContent.Image, "image/png")] };

    [McpServerTool(Name = "test_audio_content"), Description("Returns a fixed WAV audio clip.")]
    public static CallToolResult AudioContent() => new() { Content = [AudioContentBlock.FromBytes(ConformanceContent.Audio, "audio/wav")] };

    [McpServerTool(Name = "test_embedded_resource"), Description("Returns an embedded text resource.")]
    public static CallToolResult EmbeddedResource() => new()
    {
        Content =
        [
            new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents { Uri = "test://embedded-resource", MimeType = "text/plain", Text = "This is an embedded resource content." },
            },
        ],
    };

    [McpServerTool(Name = "test_multiple_content_types"), Description("Returns text, an image and an embedded JSON resource.")]
    public static CallToolResult MultipleContentTypes() => new()
    {
        Content =
        [
            new TextContentBlock { Text = "Multiple content types test:" },
            ImageContentBlock.FromBytes(ConformanceContent.Image, "image/png"),
            new EmbeddedResourceBlock
            {
                Resource = new TextResourceContents { Uri = "test://mixed-content-resource", MimeType = "application/json", Text = """{"test":"data","value":123}""" },
            },
        ],
    };

    [McpServerTool(Name = "test_tool_with_logging"), Description("Sends three info log messages while it runs.")]
    public async Task<string> ToolWithLogging(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        await clientLog.SendAsync(request, LoggingLevel.Info, "conformance", "Tool execution started", cancellationToken);
        await Task.Delay(50, cancellationToken);
        await clientLog.SendAsync(request, LoggingLevel.Info, "conformance", "Tool processing data", cancellationToken);
        await Task.Delay(50, cancellationToken);
        await clientLog.SendAsync(request, LoggingLevel.Info, "conformance", "Tool execution completed", cancellationToken);
        return "Tool with logging executed successfully";
    }

    [McpServerTool(Name = "test_tool_with_progress"), Description("Reports progress 0, 50 and 100 of 100, then returns the progress token.")]
    public static async Task<string> ToolWithProgress(McpServer server, RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        if (request.Params?.ProgressToken is { } token)
        {
            foreach (var step in new[] { 0, 50, 100 })
            {
                // Awaited, so every notification is on the response stream before the result.
                await server.NotifyProgressAsync(token, new ProgressNotificationValue { Progress = step, Total = 100, Message = $"Completed step {step} of 100" }, cancellationToken: cancellationToken);
                if (step < 100)
                {
                    await Task.Delay(50, cancellationToken);
                }
            }

            return token.ToString() ?? "";
        }

        return "No progress token was sent.";
    }

    [McpServerTool(Name = "test_error_handling"), Description("Always returns a tool error.")]
    public static CallToolResult ErrorHandling() => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = "This tool intentionally returns an error for testing" }],
    };

    [McpServerTool(Name = "test_sampling"), Description("Asks the client's model to answer a prompt (sampling) and returns its answer.")]
    public static async Task<string> Sampling(McpServer server, [Description("The prompt to send to the client's model.")] string prompt, CancellationToken cancellationToken)
    {
        var result = await server.SampleAsync(new CreateMessageRequestParams
        {
            Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = prompt }] }],
            MaxTokens = 100,
        }, cancellationToken);
        var text = result.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text ?? "";
        return $"LLM response: {text}";
    }

    [McpServerTool(Name = "test_elicitation"), Description("Asks the user for a username and an email address (elicitation).")]
    public static async Task<string> Elicitation(McpServer server, [Description("The message to show the user.")] string message, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = message,
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    ["username"] = new ElicitRequestParams.StringSchema { Description = "User's response" },
                    ["email"] = new ElicitRequestParams.StringSchema { Description = "User's email address" },
                },
                Required = ["username", "email"],
            },
        }, cancellationToken);
        return $"User response: action={result.Action}, content={JsonSerializer.Serialize(result.Content)}";
    }

    [McpServerTool(Name = "test_elicitation_sep1034_defaults"), Description("Asks the user to review a form whose fields have default values.")]
    public static async Task<string> ElicitationWithDefaults(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = "Please review and update the form fields with defaults",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    ["name"] = new ElicitRequestParams.StringSchema { Description = "User name", Default = "John Doe" },
                    ["age"] = new ElicitRequestParams.NumberSchema { Type = "integer", Description = "User age", Default = 30 },
                    ["score"] = new ElicitRequestParams.NumberSchema { Description = "User score", Default = 95.5 },
                    ["status"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema { Description = "User status", Enum = ["active", "inactive", "pending"], Default = "active" },
                    ["verified"] = new ElicitRequestParams.BooleanSchema { Description = "Verification status", Default = true },
                },
                Required = [],
            },
        }, cancellationToken);
        return $"Elicitation completed: action={result.Action}, content={JsonSerializer.Serialize(result.Content)}";
    }

    [McpServerTool(Name = "test_elicitation_sep1330_enums"), Description("Asks the user to choose from single- and multi-select enum fields.")]
    public static async Task<string> ElicitationWithEnums(McpServer server, CancellationToken cancellationToken)
    {
        var result = await server.ElicitAsync(new ElicitRequestParams
        {
            Message = "Please select options from the enum fields",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    ["untitledSingle"] = new ElicitRequestParams.UntitledSingleSelectEnumSchema { Description = "Choose an option", Enum = ["option1", "option2", "option3"] },
                    ["titledSingle"] = new ElicitRequestParams.TitledSingleSelectEnumSchema
                    {
                        Description = "Choose a titled option",
                        OneOf =
                        [
                            new() { Const = "value1", Title = "First Option" },
                            new() { Const = "value2", Title = "Second Option" },
                            new() { Const = "value3", Title = "Third Option" },
                        ],
                    },
                    ["legacyEnum"] = new ElicitRequestParams.LegacyTitledEnumSchema
                    {
                        Description = "Choose a legacy option",
                        Enum = ["opt1", "opt2", "opt3"],
                        EnumNames = ["Option One", "Option Two", "Option Three"],
                    },
                    ["untitledMulti"] = new ElicitRequestParams.UntitledMultiSelectEnumSchema
                    {
                        Description = "Choose multiple options",
                        MinItems = 1,
                        MaxItems = 3,
                        Items = new ElicitRequestParams.UntitledEnumItemsSchema { Enum = ["option1", "option2", "option3"] },
                    },
                    ["titledMulti"] = new ElicitRequestParams.TitledMultiSelectEnumSchema
                    {
                        Description = "Choose multiple titled options",
                        MinItems = 1,
                        MaxItems = 3,
                        Items = new ElicitRequestParams.TitledEnumItemsSchema
                        {
                            AnyOf =
                            [
                                new() { Const = "value1", Title = "First Choice" },
                                new() { Const = "value2", Title = "Second Choice" },
                                new() { Const = "value3", Title = "Third Choice" },
                            ],
                        },
                    },
                },
                Required = [],
            },
        }, cancellationToken);
        return $"Elicitation completed: action={result.Action}, content={JsonSerializer.Serialize(result.Content)}";
    }

    [McpServerTool(Name = "test_reconnection"), Description("Closes its response stream early (SSE polling); the result arrives after the client reconnects with Last-Event-ID.")]
    public static async Task<string> Reconnection(RequestContext<CallToolRequestParams> request, CancellationToken cancellationToken)
    {
        await request.EnablePollingAsync(TimeSpan.FromMilliseconds(500), cancellationToken);
        await Task.Delay(100, cancellationToken);
        return "Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.";
    }
}
