namespace McpFunctions.Features.Files;

/// <summary>One page of files as files_list returns it.</summary>
public sealed record FileListResult(IReadOnlyList<FileInfoResult> Files, string? NextCursor);
