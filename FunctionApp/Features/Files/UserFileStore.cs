using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using McpFunctions.Auth;
using McpFunctions.Storage;
using Microsoft.AspNetCore.StaticFiles;

namespace McpFunctions.Features.Files;

/// <summary>Per-caller files in one blob container: blob name = caller partition key + '/' + encoded file name.</summary>
internal sealed class UserFileStore(StorageContainers containers, IOptions<StorageOptions> options)
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public int MaxFileBytes => options.Value.MaxFileBytes;

    /// <summary>The content type to store when the caller gives none: by extension, else text or octet-stream.</summary>
    public static string GuessMimeType(string name, bool isText) =>
        ContentTypes.TryGetContentType(name, out var type) ? type
        : isText ? "text/plain"
        : "application/octet-stream";

    public static bool IsTextual(string mimeType) =>
        mimeType.StartsWith("text/", StringComparison.OrdinalIgnoreCase)
        || mimeType is "application/json" or "application/xml" or "application/yaml" or "application/javascript" or "image/svg+xml"
        || mimeType.EndsWith("+json", StringComparison.OrdinalIgnoreCase)
        || mimeType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase);

    /// <summary>Creates or replaces the file; <c>Created</c> tells which, so callers can announce a changed file list.</summary>
    public async Task<(UserFile File, bool Created)> WriteAsync(Caller caller, string name, BinaryData content, string mimeType, CancellationToken cancellationToken)
    {
        var size = content.ToMemory().Length;
        if (size > MaxFileBytes)
        {
            throw new InvalidArgumentException($"The file is {size} bytes; the limit is {MaxFileBytes} bytes.");
        }

        var blob = await BlobAsync(caller, name, cancellationToken);
        var upload = new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = mimeType },
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
        };

        bool created;
        Response<BlobContentInfo> response;
        try
        {
            response = await blob.UploadAsync(content, upload, cancellationToken);
            created = true;
        }
        catch (RequestFailedException e) when (e.Status is 409 or 412)
        {
            upload.Conditions = null;
            response = await blob.UploadAsync(content, upload, cancellationToken);
            created = false;
        }

        return (new UserFile(name, mimeType, size, response.Value.LastModified), created);
    }

    public async Task<UserFileContent?> ReadAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(caller, name, cancellationToken);
        try
        {
            var result = await blob.DownloadContentAsync(cancellationToken);
            var details = result.Value.Details;
            return new UserFileContent(
                new UserFile(name, details.ContentType ?? "application/octet-stream", details.ContentLength, details.LastModified),
                result.Value.Content);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<UserFilePage> ListAsync(Caller caller, int pageSize, string? cursor, CancellationToken cancellationToken)
    {
        var continuation = ListCursor.Unwrap(cursor, "files_list");
        var container = await containers.GetAsync(options.Value.FilesContainer, cancellationToken);
        var prefix = caller.PartitionKey + "/";
        try
        {
            await foreach (var page in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken).AsPages(continuation, pageSize))
            {
                var files = page.Values
                    .Select(b => new UserFile(
                        StorageKey.Decode(b.Name[prefix.Length..]),
                        b.Properties.ContentType ?? "application/octet-stream",
                        b.Properties.ContentLength ?? 0,
                        b.Properties.LastModified ?? DateTimeOffset.MinValue))
                    .ToArray();
                return new UserFilePage(files, PageCursor.Wrap(string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken));
            }
        }
        catch (RequestFailedException e) when (e.Status == 400 && continuation is not null)
        {
            throw ListCursor.NotForThisList();
        }

        return new UserFilePage([], null);
    }

    public async Task<bool> DeleteAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        var blob = await BlobAsync(caller, name, cancellationToken);
        var response = await blob.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        return response.Value;
    }

    private async Task<BlobClient> BlobAsync(Caller caller, string name, CancellationToken cancellationToken)
    {
        var container = await containers.GetAsync(options.Value.FilesContainer, cancellationToken);
        return container.GetBlobClient(caller.PartitionKey + "/" + StorageKey.Encode(name));
    }
}
