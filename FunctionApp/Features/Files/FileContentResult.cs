namespace McpFunctions.Features.Files;

/// <summary>A file's content as files_read returns it.</summary>
internal sealed record FileContentResult(string Name, string Uri, string MimeType, long Size, FileEncoding Encoding, string Content);
