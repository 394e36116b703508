using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Mcp;

namespace McpFunctions.Features.Files;

/// <summary>The caller's files as MCP resources: listing, a read template, and change subscriptions.</summary>
[McpServerResourceType]
internal sealed class FileResources
{
    [RequiresScope(McpScopes.FilesRead)]
    [McpServerResource(UriTemplate = FileUri.Template, Name = "file", Title = "Your file")]
    [Description("One of your files, by name (as written with files_write). Text files are returned as text, other files as base64.")]
    public static async Task<ResourceContents> ReadFile(
        ClaimsPrincipal? user,
        UserFileStore files,
        McpServer server,
        [Description("The file name, percent-encoded in the URI.")] string name,
        CancellationToken cancellationToken)
    {
        var caller = Caller.From(user);
        var validName = ItemName.Validate(name, "file name");
        var uri = FileUri.For(validName);
        var file = await files.ReadAsync(caller, validName, cancellationToken)
            ?? throw UnknownResources.NotFound(uri, server, $"Resource not found: there is no file named '{validName}'. List your files with resources/list or files_list.");

        return UserFileStore.IsTextual(file.File.MimeType)
            ? new TextResourceContents { Uri = uri, MimeType = file.File.MimeType, Text = file.Content.ToString() }
            : BlobResourceContents.FromBytes(file.Content.ToMemory(), uri, file.File.MimeType);
    }

    /// <summary><c>resources/list</c>: the caller's files, 100 per page.</summary>
    public static async ValueTask<ListResourcesResult> ListAsync(RequestContext<ListResourcesRequestParams> request, CancellationToken cancellationToken)
    {
        // This list is the server's own handler, outside the SDK's authorization filters: apply the scope here.
        if (!McpScopes.IsHeldBy(request.User, McpScopes.FilesRead))
        {
            return new ListResourcesResult { Resources = [] };
        }

        var caller = Caller.From(request.User);
        var files = request.Services!.GetRequiredService<UserFileStore>();
        var page = await files.ListAsync(caller, 100, request.Params?.Cursor, cancellationToken);
        return new ListResourcesResult
        {
            Resources = page.Files.Select(f => new Resource
            {
                Uri = FileUri.For(f.Name),
                Name = f.Name,
                MimeType = f.MimeType,
                Size = f.Size,
            }).ToList(),
            NextCursor = page.NextCursor,
        };
    }
}
