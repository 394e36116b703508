using System.ComponentModel;

namespace McpFunctions.Conformance;

/// <summary>Prompts the conformance suite gets by name.</summary>
internal sealed class ConformancePrompts
{
    [McpServerPrompt(Name = "test_simple_prompt", Title = "Simple Test Prompt"), Description("A simple prompt without arguments")]
    public static IEnumerable<PromptMessage> Simple() =>
        [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "This is a simple prompt for testing." } }];

    [McpServerPrompt(Name = "test_prompt_with_arguments", Title = "Prompt With Arguments"), Description("A prompt with required arguments")]
    public static IEnumerable<PromptMessage> WithArguments(
        [Description("First test argument")] string arg1,
        [Description("Second test argument")] string arg2) =>
        [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Prompt with arguments: arg1='{arg1}', arg2='{arg2}'" } }];

    [McpServerPrompt(Name = "test_prompt_with_embedded_resource", Title = "Prompt With Embedded Resource"), Description("A prompt that includes an embedded resource")]
    public static IEnumerable<PromptMessage> WithEmbeddedResource([Description("URI of the resource to embed")] string resourceUri) =>
    [
        new PromptMessage
        {
            Role = Role.User,
            Content = new EmbeddedResourceBlock { Resource = new TextResourceContents { Uri = resourceUri, MimeType = "text/plain", Text = "Embedded resource content for testing." } },
        },
        new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Please process the embedded resource above." } },
    ];

    [McpServerPrompt(Name = "test_prompt_with_image", Title = "Prompt With Image"), Description("A prompt that includes image content")]
    public static IEnumerable<PromptMessage> WithImage() =>
    [
        new PromptMessage { Role = Role.User, Content = ImageContentBlock.FromBytes(ConformanceContent.Image, "image/png") },
        new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = "Please analyze the image above." } },
    ];

    [McpServerPrompt(Name = "test_input_required_result_prompt", Title = "Prompt Needing Input"), Description("Asks the user for context through an input-required result, then builds the prompt from it")]
    public static IEnumerable<PromptMessage> NeedingInput(RequestContext<GetPromptRequestParams> request)
    {
        if (ConformanceInputRequiredTools.Answer(request.Params, "user_context") is { } answer)
        {
            var context = ConformanceInputRequiredTools.Accepted(answer, "user_context").GetProperty("context").GetString();
            return [new PromptMessage { Role = Role.User, Content = new TextContentBlock { Text = $"Use this context: {context}" } }];
        }

        throw new InputRequiredException(
            new Dictionary<string, InputRequest>
            {
                ["user_context"] = InputRequest.ForElicitation(new ElicitRequestParams
                {
                    Message = "What context should the prompt use?",
                    RequestedSchema = new ElicitRequestParams.RequestSchema
                    {
                        Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { ["context"] = new ElicitRequestParams.StringSchema() },
                        Required = ["context"],
                    },
                }),
            },
            requestState: null);
    }
}
