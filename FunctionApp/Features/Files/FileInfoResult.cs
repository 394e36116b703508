namespace McpFunctions.Features.Files;

/// <summary>A file's metadata as files tools return it.</summary>
internal sealed record FileInfoResult(string Name, string Uri, string MimeType, long Size, DateTimeOffset LastModified, bool Created)
{
    public static FileInfoResult From(UserFile file, bool created) =>
        new(file.Name, FileUri.For(file.Name), file.MimeType, file.Size, file.LastModified, created);
}
