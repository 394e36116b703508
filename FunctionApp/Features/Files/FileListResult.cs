namespace McpFunctions.Features.Files;

/// <summary>One page of files as files_list returns it.</summary>
internal sealed record FileListResult(IReadOnlyList<FileInfoResult> Files, string? NextCursor);
