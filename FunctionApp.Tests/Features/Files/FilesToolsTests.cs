using McpFunctions.Features.Files;
using McpFunctions.Storage;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Features.Files;

public sealed class FilesToolsTests
{
    /// <summary>The 8-byte PNG signature plus a few bytes that are not valid UTF-8.</summary>
    internal static readonly byte[] BinaryBytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0xFF, 0xFE, 0x80, 0x7F];

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task A_text_file_is_created_then_replaced_read_listed_and_deleted(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var name = $"Meeting notes {Guid.NewGuid():N} (ü).md";

        var created = (await WriteAsync(client, name, "# Agenda\n- budget")).Read<FileInfoResult>();
        Assert.Multiple(() =>
        {
            Assert.That(created.Created, Is.True);
            Assert.That(created.Name, Is.EqualTo(name));
            Assert.That(created.MimeType, Is.EqualTo("text/markdown"), "guessed from the extension");
            Assert.That(created.Size, Is.EqualTo(17));
            Assert.That(created.Uri, Is.EqualTo("files:///" + Uri.EscapeDataString(name)));
        });
        Assert.That(await StorageProbe.BlobNamesAsync(StorageProbe.LocalDeveloperPartition + "/"),
            Does.Contain(StorageProbe.LocalDeveloperPartition + "/" + StorageKey.Encode(name)), "the blob name is the partition plus the encoded name");

        var replaced = (await WriteAsync(client, name, "# Agenda\n- budget\n- hiring")).Read<FileInfoResult>();
        Assert.That(replaced.Created, Is.False, "the second write replaces");

        var read = (await client.CallToolAsync("files_read", new Dictionary<string, object?> { ["name"] = name })).Read<FileContentResult>();
        Assert.That((read.Encoding, read.Content, read.MimeType, read.Uri), Is.EqualTo((FileEncoding.Text, "# Agenda\n- budget\n- hiring", "text/markdown", created.Uri)));

        Assert.That((await ListAllAsync(client)).Select(f => f.Name), Does.Contain(name));

        var deleted = await client.CallToolAsync("files_delete", new Dictionary<string, object?> { ["name"] = name });
        Assert.That(deleted.IsError, Is.Not.True);
        Assert.That(deleted.Text(), Does.Contain($"Deleted file '{name}'"));
        Assert.That(await StorageProbe.FileNamesAsync(), Does.Not.Contain(name));

        var gone = await client.CallToolAsync("files_read", new Dictionary<string, object?> { ["name"] = name });
        Assert.That(gone.IsError, Is.True);
        Assert.That(gone.Text(), Does.Contain($"There is no file named '{name}'").And.Contain("files_list"));

        var again = await client.CallToolAsync("files_delete", new Dictionary<string, object?> { ["name"] = name });
        Assert.That(again.IsError, Is.Not.True);
        Assert.That(again.Text(), Does.Contain("There was no file"));
    }

    [Test]
    public async Task A_base64_file_round_trips_byte_for_byte()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var name = $"logo {Guid.NewGuid():N}.png";
        var base64 = Convert.ToBase64String(BinaryBytes);

        var written = (await WriteAsync(client, name, base64.TrimEnd('='), "base64")).Read<FileInfoResult>();
        Assert.That((written.MimeType, written.Size, written.Created), Is.EqualTo(("image/png", (long)BinaryBytes.Length, true)), "padding is optional");

        var blob = StorageProbe.Files.GetBlobClient(StorageProbe.LocalDeveloperPartition + "/" + StorageKey.Encode(name));
        Assert.That((await blob.DownloadContentAsync()).Value.Content.ToArray(), Is.EqualTo(BinaryBytes), "the stored bytes are the decoded content");

        var read = (await client.CallToolAsync("files_read", new Dictionary<string, object?> { ["name"] = name })).Read<FileContentResult>();
        Assert.That((read.Encoding, read.Content, read.MimeType), Is.EqualTo((FileEncoding.Base64, base64, "image/png")));
    }

    [TestCase("data {0}.json", "text", null, "application/json")]
    [TestCase("plain {0}", "text", null, "text/plain")]
    [TestCase("bytes {0}", "base64", null, "application/octet-stream")]
    [TestCase("custom {0}.txt", "text", "text/x-custom; charset=utf-8", "text/x-custom; charset=utf-8")]
    public async Task The_mime_type_is_guessed_from_the_name_unless_given(string pattern, string encoding, string? mimeType, string expected)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var name = string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, Guid.NewGuid().ToString("N"));

        var written = (await WriteAsync(client, name, encoding == "text" ? "{}" : "AAEC", encoding, mimeType)).Read<FileInfoResult>();

        Assert.That(written.MimeType, Is.EqualTo(expected));
        var listed = (await ListAllAsync(client)).Single(f => f.Name == name);
        Assert.That(listed.MimeType, Is.EqualTo(expected), "the type is stored with the blob");
    }

    [Test]
    public async Task A_malformed_mime_type_is_refused_and_nothing_is_stored()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var name = $"typed {Guid.NewGuid():N}.txt";

        var result = await WriteAsync(client, name, "hello", "text", "not a mime type");

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("is not a MIME type").And.Contain("type/subtype"));
        Assert.That(await StorageProbe.FileNamesAsync(), Does.Not.Contain(name));
    }

    [Test]
    public async Task Files_list_pages_by_name_with_a_cursor()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Guid.NewGuid().ToString("N");
        var mine = Enumerable.Range(0, 5).Select(i => $"paged {marker} {i}.txt").ToArray();
        foreach (var name in mine)
        {
            await WriteAsync(client, name, "x");
        }

        var pages = new List<FileListResult>();
        string? cursor = null;
        do
        {
            var arguments = new Dictionary<string, object?> { ["pageSize"] = 2 };
            if (cursor is not null)
            {
                arguments["cursor"] = cursor;
            }

            var page = (await client.CallToolAsync("files_list", arguments)).Read<FileListResult>();
            pages.Add(page);
            cursor = page.NextCursor;
        }
        while (cursor is not null && pages.Count < 5_000);

        var names = pages.SelectMany(p => p.Files).Select(f => f.Name).ToList();
        Assert.That(pages.Select(p => p.Files.Count), Has.All.LessThanOrEqualTo(2));
        Assert.That(names, Is.Unique);
        Assert.That(names.Where(n => n.Contains(marker, StringComparison.Ordinal)), Is.EqualTo(mine), "all five, in name order");
        Assert.That(pages.SelectMany(p => p.Files).Select(f => f.Uri), Has.All.StartWith("files:///"));

        var bad = await client.CallToolAsync("files_list", new Dictionary<string, object?> { ["cursor"] = "bogus" });
        Assert.That(bad.IsError, Is.True);
        Assert.That(bad.Text(), Does.Contain("cursor is not valid"));
    }

    [Test]
    public async Task A_file_over_the_size_limit_is_refused_and_not_stored()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var name = $"huge {Guid.NewGuid():N}.txt";

        var result = await WriteAsync(client, name, new string('x', (2 * 1024 * 1024) + 1));

        Assert.That(result.IsError, Is.True);
        Assert.That(result.Text(), Does.Contain("the limit is 2097152 bytes"));
        Assert.That(await StorageProbe.FileNamesAsync(), Does.Not.Contain(name));
    }

    internal static ValueTask<CallToolResult> WriteAsync(McpClient client, string name, string content, string? encoding = null, string? mimeType = null)
    {
        var arguments = new Dictionary<string, object?> { ["name"] = name, ["content"] = content };
        if (encoding is not null)
        {
            arguments["encoding"] = encoding;
        }

        if (mimeType is not null)
        {
            arguments["mimeType"] = mimeType;
        }

        return client.CallToolAsync("files_write", arguments);
    }

    private static async Task<List<FileInfoResult>> ListAllAsync(McpClient client)
    {
        var files = new List<FileInfoResult>();
        string? cursor = null;
        do
        {
            var arguments = new Dictionary<string, object?> { ["pageSize"] = 200 };
            if (cursor is not null)
            {
                arguments["cursor"] = cursor;
            }

            var page = (await client.CallToolAsync("files_list", arguments)).Read<FileListResult>();
            files.AddRange(page.Files);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        return files;
    }
}
