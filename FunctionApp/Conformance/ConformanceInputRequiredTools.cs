using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Mcp;

#pragma warning disable MCP9005 // the suite exercises sampling and roots, deprecated in 2026-07-28 but still part of MRTR

namespace McpFunctions.Conformance;

/// <summary>
/// Multi round-trip (MRTR, input-required result) fixtures. Each round is a separate stateless request; what a
/// tool needs from an earlier round travels in its sealed request state.
/// </summary>
internal sealed class ConformanceInputRequiredTools(RequestStateProtector states)
{
    [McpServerTool(Name = "test_input_required_result_elicitation"), Description("Asks the user's name (elicitation key user_name), then greets them.")]
    public static string Elicitation(RequestContext<CallToolRequestParams> request)
    {
        if (Answer(request.Params, "user_name") is { } answer)
        {
            return $"Hello, {Accepted(answer, "user_name").GetProperty("name")}!";
        }

        throw Ask(null, ("user_name", InputRequest.ForElicitation(NameQuestion("What is your name?"))));
    }

    [McpServerTool(Name = "test_input_required_result_sampling"), Description("Asks the client's model a question (sampling key capital_question) and returns the answer.")]
    public static string Sampling(RequestContext<CallToolRequestParams> request)
    {
        if (Answer(request.Params, "capital_question") is { } answer)
        {
            return $"Sampling said: {SampledText(answer, "capital_question")}";
        }

        throw Ask(null, ("capital_question", InputRequest.ForSampling(Question("What is the capital of France?", 100))));
    }

    [McpServerTool(Name = "test_input_required_result_list_roots"), Description("Asks the client for its roots (key client_roots) and reports how many it has.")]
    public static string ListRoots(RequestContext<CallToolRequestParams> request)
    {
        if (Answer(request.Params, "client_roots") is { } answer)
        {
            return $"Got {Roots(answer, "client_roots").Count} root(s) from the client.";
        }

        throw Ask(null, ("client_roots", InputRequest.ForRootsList(new ListRootsRequestParams())));
    }

    [McpServerTool(Name = "test_input_required_result_request_state"), Description("Asks for a confirmation and carries sealed request state between the rounds.")]
    public string RequestState(ClaimsPrincipal? user, RequestContext<CallToolRequestParams> request)
    {
        if (Answer(request.Params, "confirm") is { } answer)
        {
            Verify(user, request.Params, "test_input_required_result_request_state");
            var ok = Accepted(answer, "confirm").TryGetProperty("ok", out var value) && value.ValueKind == JsonValueKind.True;
            return ok ? "Confirmed: state-ok" : "Not confirmed: state-ok";
        }

        throw Ask(Seal(user, "test_input_required_result_request_state", "round-1"), ("confirm", InputRequest.ForElicitation(ConfirmQuestion())));
    }

    [McpServerTool(Name = "test_input_required_result_multiple_inputs"), Description("Asks for an elicitation, a sampling and the roots in one round.")]
    public string MultipleInputs(ClaimsPrincipal? user, RequestContext<CallToolRequestParams> request)
    {
        if (Answer(request.Params, "user_name") is { } name && Answer(request.Params, "greeting") is { } greeting && Answer(request.Params, "client_roots") is { } roots)
        {
            Verify(user, request.Params, "test_input_required_result_multiple_inputs");
            return $"{SampledText(greeting, "greeting")} {Accepted(name, "user_name").GetProperty("name")} ({Roots(roots, "client_roots").Count} root(s))";
        }

        throw Ask(
            Seal(user, "test_input_required_result_multiple_inputs", "round-1"),
            ("user_name", InputRequest.ForElicitation(NameQuestion("What is your name?"))),
            ("greeting", InputRequest.ForSampling(Question("Generate a greeting", 50))),
            ("client_roots", InputRequest.ForRootsList(new ListRootsRequestParams())));
    }

    [McpServerTool(Name = "test_input_required_result_multi_round"), Description("Asks two questions in two separate rounds, then answers.")]
    public string MultiRound(ClaimsPrincipal? user, RequestContext<CallToolRequestParams> request)
    {
        const string Tool = "test_input_required_result_multi_round";
        if (Answer(request.Params, "step2") is { } color)
        {
            var name = Verify(user, request.Params, Tool);
            return $"{name} likes {Accepted(color, "step2").GetProperty("color")}.";
        }

        if (Answer(request.Params, "step1") is { } step1)
        {
            Verify(user, request.Params, Tool);
            var name = Accepted(step1, "step1").GetProperty("name").GetString() ?? "";
            throw Ask(Seal(user, Tool, name), ("step2", InputRequest.ForElicitation(new ElicitRequestParams
            {
                Message = "Step 2: What is your favorite color?",
                RequestedSchema = StringField("color"),
            })));
        }

        throw Ask(Seal(user, Tool, "round-1"), ("step1", InputRequest.ForElicitation(NameQuestion("Step 1: What is your name?"))));
    }

    [McpServerTool(Name = "test_input_required_result_tampered_state"), Description("Carries integrity-protected state; a tampered state is refused.")]
    public string TamperedState(ClaimsPrincipal? user, RequestContext<CallToolRequestParams> request)
    {
        if (request.Params?.RequestState is not null)
        {
            Verify(user, request.Params, "test_input_required_result_tampered_state");
            return "The request state was intact.";
        }

        throw Ask(Seal(user, "test_input_required_result_tampered_state", "round-1"), ("confirm", InputRequest.ForElicitation(ConfirmQuestion())));
    }

    [McpServerTool(Name = "test_input_required_result_capabilities"), Description("Asks only for what the request's client capabilities allow.")]
    public static string Capabilities(McpServer server, RequestContext<CallToolRequestParams> request)
    {
        if (request.Params?.InputResponses is { Count: > 0 } answers)
        {
            return $"Received {answers.Count} answer(s).";
        }

        var capabilities = server.ClientCapabilities;
        if (capabilities?.Elicitation is not null)
        {
            throw Ask(null, ("user_name", InputRequest.ForElicitation(NameQuestion("What is your name?"))));
        }

        if (capabilities?.Sampling is not null)
        {
            throw Ask(null, ("capital_question", InputRequest.ForSampling(Question("What is the capital of France?", 100))));
        }

        if (capabilities?.Roots is not null)
        {
            throw Ask(null, ("client_roots", InputRequest.ForRootsList(new ListRootsRequestParams())));
        }

        throw new MissingRequiredClientCapabilityException(
            new ClientCapabilities { Elicitation = new ElicitationCapability() },
            "This tool needs elicitation, sampling or roots from the client.");
    }

    internal static ElicitRequestParams NameQuestion(string message) => new() { Message = message, RequestedSchema = StringField("name") };

    internal static InputResponse? Answer(RequestParams? parameters, string key) =>
        parameters?.InputResponses is { } answers && answers.TryGetValue(key, out var answer) ? answer : null;

    /// <summary>The accepted elicitation content, or a protocol error naming the malformed answer.</summary>
    internal static JsonElement Accepted(InputResponse answer, string key)
    {
        ElicitResult? result;
        try
        {
            result = answer.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
        }
        catch (JsonException)
        {
            result = null;
        }

        if (result is not { IsAccepted: true, Content: { } content })
        {
            throw new McpProtocolException($"The answer to '{key}' is not an accepted elicitation result.", McpErrorCode.InvalidParams);
        }

        return JsonSerializer.SerializeToElement(content);
    }

    private static ElicitRequestParams ConfirmQuestion() => new()
    {
        Message = "Please confirm",
        RequestedSchema = new ElicitRequestParams.RequestSchema
        {
            Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { ["ok"] = new ElicitRequestParams.BooleanSchema() },
            Required = ["ok"],
        },
    };

    private static ElicitRequestParams.RequestSchema StringField(string name) => new()
    {
        Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition> { [name] = new ElicitRequestParams.StringSchema() },
        Required = [name],
    };

    private static CreateMessageRequestParams Question(string text, int maxTokens) => new()
    {
        Messages = [new SamplingMessage { Role = Role.User, Content = [new TextContentBlock { Text = text }] }],
        MaxTokens = maxTokens,
    };

    private static string SampledText(InputResponse answer, string key)
    {
        try
        {
            return answer.Deserialize(InputResponse.CreateMessageResultJsonTypeInfo)?.Content.OfType<TextContentBlock>().FirstOrDefault()?.Text
                ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new McpProtocolException($"The answer to '{key}' is not a sampling result.", McpErrorCode.InvalidParams);
        }
    }

    private static IList<Root> Roots(InputResponse answer, string key)
    {
        try
        {
            return answer.Deserialize(InputResponse.ListRootsResultJsonTypeInfo)?.Roots ?? throw new JsonException();
        }
        catch (JsonException)
        {
            throw new McpProtocolException($"The answer to '{key}' is not a roots/list result.", McpErrorCode.InvalidParams);
        }
    }

    private static InputRequiredException Ask(string? requestState, params (string Key, InputRequest Request)[] requests) =>
        new(requests.ToDictionary(r => r.Key, r => r.Request), requestState);

    private string Seal(ClaimsPrincipal? user, string tool, string subject) =>
        states.Protect(new RequestStateProtector.Payload(tool, Caller.IdOf(user), subject));

    /// <summary>The sealed subject, or a protocol error when the state is missing, forged or tampered with.</summary>
    private string Verify(ClaimsPrincipal? user, RequestParams? parameters, string tool) =>
        states.Unprotect(parameters?.RequestState, tool, Caller.IdOf(user))?.Subject
        ?? throw new McpProtocolException("The requestState is missing, expired or has been tampered with.", McpErrorCode.InvalidParams);
}
