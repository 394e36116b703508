namespace McpFunctions.Mcp;

/// <summary>
/// Checks <c>tools/call</c> arguments against the tool's input schema before the tool runs, so a wrong type,
/// a missing or misspelled argument gets an <c>isError</c> result naming the argument and the expected form.
/// </summary>
/// <remarks>
/// Without this the SDK's binder fails with a generic "An error occurred invoking" message. The schemas the SDK
/// generates from C# signatures use a small subset of JSON Schema (type, enum, required, items, min/max, length),
/// which is what this covers, and each problem is worded for a model to fix in one retry; a general validator's
/// output would have to be translated into such sentences anyway (docs/architecture.md).
/// </remarks>
internal static class ToolArgumentCheck
{
    public static McpRequestHandler<CallToolRequestParams, CallToolResult> Filter(McpRequestHandler<CallToolRequestParams, CallToolResult> next) =>
        async (request, cancellationToken) =>
        {
            var name = request.Params?.Name;
            if (name is not null
                && request.Server.ServerOptions.ToolCollection is { } tools
                && tools.TryGetPrimitive(name, out var tool))
            {
                var problems = Check(tool.ProtocolTool.InputSchema, request.Params!.Arguments);
                if (problems.Count > 0)
                {
                    return new CallToolResult
                    {
                        IsError = true,
                        Content = [new TextContentBlock { Text = $"Invalid arguments for '{name}': {string.Join(" ", problems)}" }],
                    };
                }
            }

            return await next(request, cancellationToken);
        };

    public static IReadOnlyList<string> Check(JsonElement schema, IDictionary<string, JsonElement>? arguments)
    {
        var problems = new List<string>();
        arguments ??= new Dictionary<string, JsonElement>();
        var properties = schema.TryGetProperty("properties", out var p) && p.ValueKind == JsonValueKind.Object ? p : default;

        if (schema.TryGetProperty("required", out var required) && required.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in required.EnumerateArray())
            {
                var key = item.GetString();
                if (key is not null && (!arguments.TryGetValue(key, out var value) || value.ValueKind is JsonValueKind.Undefined))
                {
                    problems.Add($"'{key}' is required.");
                }
            }
        }

        foreach (var (key, value) in arguments)
        {
            if (properties.ValueKind != JsonValueKind.Object || !properties.TryGetProperty(key, out var propertySchema))
            {
                var known = properties.ValueKind == JsonValueKind.Object
                    ? string.Join(", ", properties.EnumerateObject().Select(x => x.Name))
                    : "";
                problems.Add(known.Length == 0
                    ? $"'{key}' is not an argument of this tool (it takes none)."
                    : $"'{key}' is not an argument of this tool; the arguments are: {known}.");
                continue;
            }

            CheckValue(key, propertySchema, value, problems);
        }

        return problems;
    }

    private static void CheckValue(string path, JsonElement schema, JsonElement value, List<string> problems)
    {
        var types = AllowedTypes(schema);
        if (types.Count > 0 && !types.Any(t => Matches(t, value)))
        {
            problems.Add($"'{path}' must be {Describe(types)}, not {Describe(value)}.");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) && allowed.ValueKind == JsonValueKind.Array
            && value.ValueKind != JsonValueKind.Null
            && !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
        {
            problems.Add($"'{path}' must be one of {string.Join(", ", allowed.EnumerateArray().Select(a => a.GetRawText()))}.");
            return;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                var length = value.GetString()!.Length;
                if (schema.TryGetProperty("minLength", out var min) && min.TryGetInt32(out var minLength) && length < minLength)
                {
                    problems.Add($"'{path}' must be at least {minLength} characters long.");
                }

                if (schema.TryGetProperty("maxLength", out var max) && max.TryGetInt32(out var maxLength) && length > maxLength)
                {
                    problems.Add($"'{path}' must be at most {maxLength} characters long (it is {length}).");
                }

                break;
            case JsonValueKind.Number:
                var number = value.GetDouble();
                if (schema.TryGetProperty("minimum", out var minimum) && minimum.ValueKind == JsonValueKind.Number && number < minimum.GetDouble())
                {
                    problems.Add($"'{path}' must be at least {minimum.GetRawText()}.");
                }

                if (schema.TryGetProperty("maximum", out var maximum) && maximum.ValueKind == JsonValueKind.Number && number > maximum.GetDouble())
                {
                    problems.Add($"'{path}' must be at most {maximum.GetRawText()}.");
                }

                break;
            case JsonValueKind.Array when schema.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Object:
                var index = 0;
                foreach (var element in value.EnumerateArray())
                {
                    CheckValue($"{path}[{index++}]", items, element, problems);
                }

                break;
        }
    }

    private static List<string> AllowedTypes(JsonElement schema)
    {
        var types = new List<string>();
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type))
        {
            return types;
        }

        if (type.ValueKind == JsonValueKind.String)
        {
            types.Add(type.GetString()!);
        }
        else if (type.ValueKind == JsonValueKind.Array)
        {
            types.AddRange(type.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!));
        }

        return types;
    }

    private static bool Matches(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetDecimal(out var d) && decimal.Truncate(d) == d,
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "array" => value.ValueKind == JsonValueKind.Array,
        "object" => value.ValueKind == JsonValueKind.Object,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => true,
    };

    private static string Describe(List<string> types) =>
        string.Join(" or ", types.Select(t => t switch
        {
            "integer" => "a whole number",
            "number" => "a number",
            "string" => "a string",
            "boolean" => "true or false",
            "array" => "an array",
            "object" => "an object",
            "null" => "null",
            _ => t,
        }));

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "a string",
        JsonValueKind.Number => $"the number {value.GetRawText()}",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        JsonValueKind.Null => "null",
        _ => "an undefined value",
    };
}
