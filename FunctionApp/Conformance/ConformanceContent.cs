namespace McpFunctions.Conformance;

/// <summary>The fixed payloads the MCP conformance suite expects from its fixture tools, resources and prompts.</summary>
internal static class ConformanceContent
{
    /// <summary>A 1x1 RGBA PNG.</summary>
    public const string ImageBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

    /// <summary>A 44-byte RIFF/WAVE file: 16-bit mono PCM at 8 kHz.</summary>
    public const string AudioBase64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

    public static ReadOnlyMemory<byte> Image { get; } = Convert.FromBase64String(ImageBase64);

    public static ReadOnlyMemory<byte> Audio { get; } = Convert.FromBase64String(AudioBase64);

    /// <summary>The input schema of json_schema_2020_12_tool: JSON Schema 2020-12 keywords a server must pass through untouched.</summary>
    public const string JsonSchema202012 = """
        {
          "$schema": "https://json-schema.org/draft/2020-12/schema",
          "type": "object",
          "$defs": {
            "address": {
              "$anchor": "addressDef",
              "type": "object",
              "properties": { "street": { "type": "string" }, "city": { "type": "string" } }
            }
          },
          "properties": {
            "name": { "type": "string" },
            "address": { "$ref": "#/$defs/address" },
            "contactMethod": { "type": "string", "enum": ["phone", "email"] },
            "phone": { "type": "string" },
            "email": { "type": "string" }
          },
          "allOf": [ { "anyOf": [ { "required": ["phone"] }, { "required": ["email"] } ] } ],
          "if": { "properties": { "contactMethod": { "const": "phone" } }, "required": ["contactMethod"] },
          "then": { "required": ["phone"] },
          "else": { "required": ["email"] },
          "additionalProperties": false
        }
        """;
}
