using System.Collections.Concurrent;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using McpFunctions.Storage;

namespace McpFunctions.Tests.Fixtures;

/// <summary>Records every storage request a server makes, by putting a policy into its Azure SDK pipelines.</summary>
internal sealed class StorageRequestLog : HttpPipelineSynchronousPolicy
{
    public ConcurrentQueue<(string Method, string Path)> Requests { get; } = new();

    /// <summary>Storage clients for <paramref name="connectionString"/> that report to this log.</summary>
    public StorageClients ClientsFor(string connectionString)
    {
        var tableOptions = new TableClientOptions();
        tableOptions.AddPolicy(this, HttpPipelinePosition.PerRetry);
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(this, HttpPipelinePosition.PerRetry);
        return new StorageClients(new TableServiceClient(connectionString, tableOptions), new BlobServiceClient(connectionString, blobOptions));
    }

    /// <summary>Reads (GETs) of the given table since <paramref name="mark"/> (a count from <see cref="Mark"/>).</summary>
    public int TableReadsSince(int mark, string table) =>
        Requests.Skip(mark).Count(r => r.Method == "GET" && r.Path.Contains($"/{table}", StringComparison.Ordinal));

    public int Mark() => Requests.Count;

    public override void OnSendingRequest(HttpMessage message) =>
        Requests.Enqueue((message.Request.Method.ToString(), message.Request.Uri.Path));
}
