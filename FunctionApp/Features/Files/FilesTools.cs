using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Sessions.Relay;

namespace McpFunctions.Features.Files;

/// <summary>The user's files in Blob Storage; each is also the resource <c>files:///{name}</c>.</summary>
[McpServerToolType]
internal sealed class FilesTools(UserFileStore files, SessionNotifier notifier)
{
    private const string NameDescription =
        "File name, 1-200 characters: letters, digits, spaces and - _ . , + = @ ( ) [ ] ' ! & $ ~ (no '/', '#', '?' or '%'), e.g. 'meeting notes.md'.";

    [RequiresScope(McpScopes.FilesWrite)]
    [McpServerTool(Name = "files_write", Title = "Write a file", Destructive = true, Idempotent = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Creates or replaces one of the signed-in user's files (at most 2 MiB). Sessions subscribed to the file's resource are notified of the change.")]
    public async Task<FileInfoResult> WriteFile(
        ClaimsPrincipal? user,
        [Description(NameDescription)] string name,
        [Description("The content: UTF-8 text when encoding is 'text', otherwise base64 (standard alphabet, padding optional).")] string content,
        [Description("'text' (default) or 'base64' for binary content such as images.")] FileEncoding encoding = FileEncoding.Text,
        [Description("MIME type to store, e.g. 'text/markdown' or 'image/png'. Omit to derive it from the name's extension.")] string? mimeType = null,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var validName = ItemName.Validate(name, "file name");
        var bytes = encoding == FileEncoding.Base64 ? DecodeBase64(content) : BinaryData.FromString(content ?? "");
        var type = string.IsNullOrWhiteSpace(mimeType) ? UserFileStore.GuessMimeType(validName, encoding == FileEncoding.Text) : ValidateMimeType(mimeType);

        var (file, created) = await files.WriteAsync(caller, validName, bytes, type, cancellationToken);
        var uri = FileUri.For(validName);
        await notifier.ResourceUpdatedAsync(caller.PartitionKey, uri, cancellationToken);
        if (created)
        {
            await notifier.ResourceListChangedAsync(caller.PartitionKey, cancellationToken);
        }

        return FileInfoResult.From(file, created);
    }

    [RequiresScope(McpScopes.FilesRead)]
    [McpServerTool(Name = "files_read", Title = "Read a file", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Returns one of the signed-in user's files: text files as text, other files as base64. The same content is available as the resource files:///{name}.")]
    public async Task<FileContentResult> ReadFile(
        ClaimsPrincipal? user,
        [Description(NameDescription)] string name,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var validName = ItemName.Validate(name, "file name");
        var file = await files.ReadAsync(caller, validName, cancellationToken)
            ?? throw new NotFoundException($"There is no file named '{validName}'. Use files_list to see your files.");
        var isText = UserFileStore.IsTextual(file.File.MimeType);
        return new FileContentResult(
            file.File.Name,
            FileUri.For(file.File.Name),
            file.File.MimeType,
            file.File.Size,
            isText ? FileEncoding.Text : FileEncoding.Base64,
            isText ? file.Content.ToString() : Convert.ToBase64String(file.Content.ToMemory().Span));
    }

    [RequiresScope(McpScopes.FilesRead)]
    [McpServerTool(Name = "files_list", Title = "List files", ReadOnly = true, OpenWorld = false, UseStructuredContent = true)]
    [Description("Lists the signed-in user's files by name with size, MIME type and resource URI, one page at a time. When 'nextCursor' is not null, call again with it.")]
    public async Task<FileListResult> ListFiles(
        ClaimsPrincipal? user,
        [Description("Files per page, 1-200. Default 50.")][System.ComponentModel.DataAnnotations.Range(1, 200)] int pageSize = 50,
        [Description("The 'nextCursor' from the previous page; omit for the first page.")] string? cursor = null,
        CancellationToken cancellationToken = default)
    {
        var page = await files.ListAsync(Caller.From(user), pageSize, cursor, cancellationToken);
        return new FileListResult(page.Files.Select(f => FileInfoResult.From(f, created: false)).ToArray(), page.NextCursor);
    }

    [RequiresScope(McpScopes.FilesWrite)]
    [McpServerTool(Name = "files_delete", Title = "Delete a file", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description("Permanently deletes one of the signed-in user's files. Deleting a file that does not exist is not an error; the result says so.")]
    public async Task<string> DeleteFile(
        ClaimsPrincipal? user,
        [Description(NameDescription)] string name,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var validName = ItemName.Validate(name, "file name");
        if (!await files.DeleteAsync(caller, validName, cancellationToken))
        {
            return $"There was no file '{validName}'; nothing was deleted.";
        }

        await notifier.ResourceUpdatedAsync(caller.PartitionKey, FileUri.For(validName), cancellationToken);
        await notifier.ResourceListChangedAsync(caller.PartitionKey, cancellationToken);
        return $"Deleted file '{validName}'.";
    }

    private static BinaryData DecodeBase64(string? content)
    {
        var text = (content ?? "").Trim();
        var padded = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        try
        {
            return BinaryData.FromBytes(Convert.FromBase64String(padded));
        }
        catch (FormatException)
        {
            throw new InvalidArgumentException("'content' is not valid base64. Encode the bytes with the standard base64 alphabet (A-Z, a-z, 0-9, '+', '/'), or use encoding 'text'.");
        }
    }

    private static string ValidateMimeType(string mimeType)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(mimeType, out var parsed) || parsed.MediaType.Value?.Contains('/') != true || mimeType.Length > 100)
        {
            throw new InvalidArgumentException($"'{mimeType}' is not a MIME type; use the form 'type/subtype', e.g. 'text/plain'.");
        }

        return mimeType;
    }
}
