namespace McpFunctions.Features.Files;

/// <summary>Metadata of one user file in Blob Storage.</summary>
public sealed record UserFile(string Name, string MimeType, long Size, DateTimeOffset LastModified);

/// <summary>A user file with its content.</summary>
public sealed record UserFileContent(UserFile File, BinaryData Content);

/// <summary>One page of a user's files, by name.</summary>
public sealed record UserFilePage(IReadOnlyList<UserFile> Files, string? NextCursor);
