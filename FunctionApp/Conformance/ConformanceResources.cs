using System.ComponentModel;

namespace McpFunctions.Conformance;

/// <summary>Resources the conformance suite reads and subscribes to by URI.</summary>
internal sealed class ConformanceResources
{
    [McpServerResource(UriTemplate = "test://static-text", Name = "static-text", Title = "Static Text Resource", MimeType = "text/plain")]
    [Description("A static text resource for testing")]
    public static TextResourceContents StaticText() =>
        new() { Uri = "test://static-text", MimeType = "text/plain", Text = "This is the content of the static text resource." };

    [McpServerResource(UriTemplate = "test://static-binary", Name = "static-binary", Title = "Static Binary Resource", MimeType = "image/png")]
    [Description("A static binary resource (image) for testing")]
    public static BlobResourceContents StaticBinary() => BlobResourceContents.FromBytes(ConformanceContent.Image, "test://static-binary", "image/png");

    [McpServerResource(UriTemplate = "test://template/{id}/data", Name = "template", Title = "Template Resource", MimeType = "application/json")]
    [Description("A resource template with parameter substitution")]
    public static TextResourceContents Template([Description("Any id; it is echoed in the data.")] string id) => new()
    {
        Uri = $"test://template/{id}/data",
        MimeType = "application/json",
        Text = System.Text.Json.JsonSerializer.Serialize(new { id, templateTest = true, data = $"Data for ID: {id}" }),
    };

    [McpServerResource(UriTemplate = "test://watched-resource", Name = "watched-resource", Title = "Watched Resource", MimeType = "text/plain")]
    [Description("A resource clients can subscribe to")]
    public static TextResourceContents Watched() => new() { Uri = "test://watched-resource", MimeType = "text/plain", Text = "Watched resource content" };
}
