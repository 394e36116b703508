using System.Xml.Linq;
using Azure;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace McpFunctions.Storage;

/// <summary>
/// Keeps the ASP.NET Core Data Protection key ring in a blob container, so every instance protects and
/// unprotects with the same keys. (Why not Azure.Extensions.AspNetCore.DataProtection.Blobs: docs/architecture.md.)
/// </summary>
/// <remarks>
/// One blob per key (<c>key-{id}.xml</c>), written once and never overwritten. The key manager calls this
/// interface synchronously and caches the result, so the synchronous SDK calls happen rarely.
/// </remarks>
internal sealed class BlobXmlRepository(BlobServiceClient blobs, string containerName) : IXmlRepository
{
    private BlobContainerClient? _container;

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        var container = Container();
        var elements = new List<XElement>();
        foreach (var blob in container.GetBlobs())
        {
            var content = container.GetBlobClient(blob.Name).DownloadContent().Value.Content;
            elements.Add(XElement.Parse(content.ToString()));
        }

        return elements;
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        var name = $"{(string.IsNullOrEmpty(friendlyName) ? Guid.NewGuid().ToString("N") : friendlyName)}.xml";
        try
        {
            Container().GetBlobClient(name).Upload(BinaryData.FromString(element.ToString(SaveOptions.DisableFormatting)), overwrite: false);
        }
        catch (RequestFailedException e) when (e.Status == 409)
        {
            // Another instance stored the same key first; keys are immutable, so this one is identical.
        }
    }

    private BlobContainerClient Container()
    {
        if (_container is null)
        {
            var container = blobs.GetBlobContainerClient(containerName);
            container.CreateIfNotExists();
            _container = container;
        }

        return _container;
    }
}
