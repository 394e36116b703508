namespace McpFunctions.Features.Files;

/// <summary>Metadata of one user file in Blob Storage.</summary>
internal sealed record UserFile(string Name, string MimeType, long Size, DateTimeOffset LastModified);

/// <summary>A user file with its content.</summary>
internal sealed record UserFileContent(UserFile File, BinaryData Content);

/// <summary>One page of a user's files, by name.</summary>
internal sealed record UserFilePage(IReadOnlyList<UserFile> Files, string? NextCursor);
