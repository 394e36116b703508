using Azure.Data.Tables;
using Azure.Storage.Blobs;

namespace McpFunctions.Storage;

/// <summary>The Table and Blob service clients built from one storage setting.</summary>
internal sealed record StorageClients(TableServiceClient Tables, BlobServiceClient Blobs);
