using System.Threading.Channels;
using McpFunctions.Features.Files;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Features.Files;

public sealed class FileResourcesTests
{
    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Resources_list_shows_the_callers_files_as_file_uris(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var name = $"report {Guid.NewGuid():N} (v2) ü.md";
        (await FilesToolsTests.WriteAsync(client, name, "# Report")).Read<FileInfoResult>();

        var resources = await client.ListResourcesAsync();

        var mine = resources.SingleOrDefault(r => r.Name == name);
        Assert.That(mine, Is.Not.Null, "the new file is listed");
        Assert.That(mine!.Uri, Is.EqualTo("files:///" + Uri.EscapeDataString(name)));
        Assert.That(mine.MimeType, Is.EqualTo("text/markdown"));
        Assert.That(mine.ProtocolResource.Size, Is.EqualTo(8));
        Assert.That(resources.Select(r => r.Uri), Has.All.StartWith("files:///"));
        Assert.That(resources.Select(r => r.Uri), Is.Unique);
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Resource_templates_list_the_file_template(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();

        var templates = await client.ListResourceTemplatesAsync();

        var file = templates.SingleOrDefault(t => t.UriTemplate == "files:///{name}");
        Assert.That(file, Is.Not.Null);
        Assert.That(file!.Name, Is.EqualTo("file"));
        Assert.That(file.Description, Is.Not.Null.And.Not.Empty);
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Reading_a_text_file_returns_its_text(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var name = $"read me {Guid.NewGuid():N}.txt";
        var uri = (await FilesToolsTests.WriteAsync(client, name, "hello, résumé\nline 2")).Read<FileInfoResult>().Uri;

        var byUri = await client.ReadResourceAsync(uri);
        var byTemplate = await client.ReadResourceAsync("files:///{name}", new Dictionary<string, object?> { ["name"] = name });

        foreach (var result in new[] { byUri, byTemplate })
        {
            var contents = result.Contents.Single();
            Assert.That(contents, Is.TypeOf<TextResourceContents>());
            Assert.That(((TextResourceContents)contents).Text, Is.EqualTo("hello, résumé\nline 2"));
            Assert.That((contents.Uri, contents.MimeType), Is.EqualTo((uri, "text/plain")));
        }
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task Reading_a_binary_file_returns_its_bytes_as_a_blob(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();
        var name = $"picture {Guid.NewGuid():N}.png";
        var uri = (await FilesToolsTests.WriteAsync(client, name, Convert.ToBase64String(FilesToolsTests.BinaryBytes), "base64")).Read<FileInfoResult>().Uri;

        var result = await client.ReadResourceAsync(uri);

        var contents = result.Contents.Single();
        Assert.That(contents, Is.TypeOf<BlobResourceContents>());
        Assert.That((contents.Uri, contents.MimeType), Is.EqualTo((uri, "image/png")));
        Assert.That(((BlobResourceContents)contents).DecodedData.ToArray(), Is.EqualTo(FilesToolsTests.BinaryBytes));
    }

    [TestCase(ClientTransport.Session, McpErrorCode.ResourceNotFound)]
    [TestCase(ClientTransport.Stateless, McpErrorCode.InvalidParams)]
    [TestCase(ClientTransport.LegacySse, McpErrorCode.ResourceNotFound)]
    public async Task Reading_an_unknown_file_is_a_protocol_error(ClientTransport transport, McpErrorCode expected)
    {
        await using var client = await transport.ConnectAsync();
        var name = $"missing {Guid.NewGuid():N}.txt";

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync("files:///" + Uri.EscapeDataString(name)));

        Assert.That(error!.ErrorCode, Is.EqualTo(expected), "2026-07-28 reports a missing resource as InvalidParams, earlier revisions as ResourceNotFound");
        Assert.That(error.Message, Does.Contain($"no file named '{name}'"));
        Assert.That((await client.ListResourceTemplatesAsync()).Count, Is.GreaterThan(0), "the connection survives the error");
    }

    [TestCase("files:///a%2Fb", "'/'")]
    [TestCase("files:///%2E%2E", "'.' or '..'")]
    [TestCase("files:///tab%09here", "U+0009")]
    public async Task Reading_a_file_uri_with_a_bad_name_is_an_invalid_params_error(string uri, string reason)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync(uri));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
        Assert.That(error.Message, Does.Contain(reason));
    }

    [Test]
    public async Task Reading_a_uri_outside_the_file_scheme_is_a_protocol_error()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.ReadResourceAsync("notes:///anything"));

        Assert.That(error!.ErrorCode, Is.AnyOf(McpErrorCode.ResourceNotFound, McpErrorCode.InvalidParams));
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task A_subscribed_session_hears_about_writes_by_another_client_until_it_unsubscribes(ClientTransport transport)
    {
        await using var subscriber = await transport.ConnectAsync();
        await using var writer = await Clients.StatelessAsync(TestRun.Server);
        var updated = Channel.CreateUnbounded<string>();
        var listChanged = Channel.CreateUnbounded<bool>();
        await using var onUpdated = subscriber.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (notification, _) =>
        {
            updated.Writer.TryWrite(notification.Params?["uri"]?.GetValue<string>() ?? "");
            return ValueTask.CompletedTask;
        });
        await using var onListChanged = subscriber.RegisterNotificationHandler(NotificationMethods.ResourceListChangedNotification, (_, _) =>
        {
            listChanged.Writer.TryWrite(true);
            return ValueTask.CompletedTask;
        });
        var name = $"watched {Guid.NewGuid():N}.md";
        var uri = (await FilesToolsTests.WriteAsync(writer, name, "v1")).Read<FileInfoResult>().Uri;
        await Task.Delay(200);
        Drain(updated);

        await subscriber.SubscribeToResourceAsync(uri);
        (await FilesToolsTests.WriteAsync(writer, name, "v2")).Read<FileInfoResult>();

        Assert.That(await NextAsync(updated, uri, TimeSpan.FromSeconds(5)), Is.True, "notifications/resources/updated for the written file");

        await subscriber.UnsubscribeFromResourceAsync(uri);
        (await FilesToolsTests.WriteAsync(writer, name, "v3")).Read<FileInfoResult>();
        Assert.That(await NextAsync(updated, uri, TimeSpan.FromSeconds(1)), Is.False, "no notification after unsubscribing");

        Drain(listChanged);
        (await FilesToolsTests.WriteAsync(writer, $"new {Guid.NewGuid():N}.md", "fresh")).Read<FileInfoResult>();
        Assert.That(await listChanged.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5)), Is.True,
            "a new file changes the resource list of every session of the user");
    }

    [Test]
    public async Task Deleting_a_subscribed_file_notifies_the_subscriber()
    {
        await using var subscriber = await Clients.StreamableAsync(TestRun.Server);
        await using var writer = await Clients.LegacySseAsync(TestRun.Server);
        var updated = Channel.CreateUnbounded<string>();
        await using var onUpdated = subscriber.RegisterNotificationHandler(NotificationMethods.ResourceUpdatedNotification, (notification, _) =>
        {
            updated.Writer.TryWrite(notification.Params?["uri"]?.GetValue<string>() ?? "");
            return ValueTask.CompletedTask;
        });
        var name = $"doomed {Guid.NewGuid():N}.txt";
        var uri = (await FilesToolsTests.WriteAsync(writer, name, "bye")).Read<FileInfoResult>().Uri;
        await subscriber.SubscribeToResourceAsync(uri);

        await writer.CallToolAsync("files_delete", new Dictionary<string, object?> { ["name"] = name });

        Assert.That(await NextAsync(updated, uri, TimeSpan.FromSeconds(5)), Is.True);
    }

    [Test]
    public async Task Subscribing_without_a_session_is_refused()
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        // The SDK itself answers: resources/subscribe does not exist in 2026-07-28 (it arrives as a JSON-RPC
        // -32601 error in a 404 response, which the client surfaces as an HTTP error).
        var error = Assert.CatchAsync(async () => await client.SubscribeToResourceAsync($"files:///x{Guid.NewGuid():N}.txt"));

        Assert.That(error!.Message, Does.Contain("resources/subscribe").And.Contain("not available"));
        Assert.That((await client.CallToolAsync("whoami")).IsError, Is.Not.True, "the client keeps working");
    }

    [TestCase("notes:///x")]
    [TestCase("files:///a%2Fb")]
    public async Task Subscribing_to_something_that_is_not_a_valid_file_uri_is_invalid_params(string uri)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.SubscribeToResourceAsync(uri));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
    }

    private static void Drain<T>(Channel<T> channel)
    {
        while (channel.Reader.TryRead(out _))
        {
        }
    }

    /// <summary>True when a notification for <paramref name="uri"/> arrives within the timeout (others are skipped).</summary>
    private static async Task<bool> NextAsync(Channel<string> channel, string uri, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                if (await channel.Reader.ReadAsync(cts.Token) == uri)
                {
                    return true;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
