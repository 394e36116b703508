using McpFunctions.Tests.Features.Files;
using McpFunctions.Tests.Features.Notes;
using McpFunctions.Tests.Fixtures;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Mcp;

/// <summary>
/// Every rejected request must say what is wrong and must leave nothing in storage; the second half is checked by
/// reading Azurite directly for a marker that each bad request carries.
/// </summary>
public sealed class BadInputTests
{
    private static readonly object[] BadNames =
    [
        new object[] { "../x", "'/'" },
        new object[] { "a/b#c?", "'#', '/', '?'" },
        new object[] { "a\u0001b", "U+0001" },
        new object[] { "tab\there", "U+0009" },
        new object[] { new string('n', 2000), "2000 characters long; the limit is 200" },
    ];

    [TestCaseSource(nameof(BadNames))]
    public async Task Files_write_refuses_a_bad_name_and_stores_nothing(string badName, string reason)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        foreach (var name in new[] { badName, WithMarker(badName, marker) })
        {
            var result = await FilesToolsTests.WriteAsync(client, name, $"content {marker}");
            AssertToolError(result, "file name", reason);
        }

        Assert.That(await StorageProbe.FileNamesAsync(), Does.Not.Contain(badName));
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCaseSource(nameof(BadNames))]
    public async Task Preferences_set_refuses_a_bad_key_and_stores_nothing(string badName, string reason)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var marker = Marker();

        foreach (var key in new[] { badName, WithMarker(badName, marker) })
        {
            var result = await client.CallToolAsync("preferences_set", new Dictionary<string, object?> { ["key"] = key, ["value"] = marker });
            AssertToolError(result, "preference key", reason);
        }

        var rows = await StorageProbe.RowsAsync(StorageProbe.PreferencesTable, StorageProbe.LocalDeveloperPartition);
        Assert.That(rows.Select(r => r.GetString("Key")), Does.Not.Contain(badName));
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCaseSource(nameof(BadNames))]
    public async Task Reading_and_deleting_with_a_bad_name_is_refused(string badName, string reason)
    {
        await using var client = await Clients.LegacySseAsync(TestRun.Server);

        AssertToolError(await client.CallToolAsync("files_read", new Dictionary<string, object?> { ["name"] = badName }), "file name", reason);
        AssertToolError(await client.CallToolAsync("files_delete", new Dictionary<string, object?> { ["name"] = badName }), "file name", reason);
        AssertToolError(await client.CallToolAsync("preferences_get", new Dictionary<string, object?> { ["key"] = badName }), "preference key", reason);
        AssertToolError(await client.CallToolAsync("preferences_delete", new Dictionary<string, object?> { ["key"] = badName }), "preference key", reason);
    }

    [Test]
    public async Task A_string_where_a_number_belongs_is_named_in_the_error()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);

        var result = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = "2", ["b"] = 3 });

        AssertToolError(result, "'a' must be a number, not a string");
        Assert.That(result.Text(), Does.Not.Contain("'b'"), "only the wrong argument is reported");
    }

    [Test]
    public async Task A_number_where_a_string_belongs_is_refused_and_not_stored()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        var result = await client.CallToolAsync("preferences_set", new Dictionary<string, object?> { ["key"] = marker, ["value"] = 5 });

        AssertToolError(result, "'value' must be a string, not the number 5");
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase("{}", "'tags' must be an array", "not an object")]
    [TestCase("\"work\"", "'tags' must be an array", "not a string")]
    [TestCase("[\"ok\", 7]", "'tags[1]' must be a string", "not the number 7")]
    public async Task A_wrong_shape_for_tags_is_refused_and_not_stored(string tagsJson, string expected, string actual)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var marker = Marker();

        var result = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["title"] = marker, ["tags"] = ToolResults.Raw(tagsJson) });

        AssertToolError(result, expected, actual);
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase("\"5\"", "'pageSize' must be a whole number, not a string")]
    [TestCase("2.5", "'pageSize' must be a whole number, not the number 2.5")]
    [TestCase("true", "'pageSize' must be a whole number, not a boolean")]
    public async Task A_wrong_type_for_a_whole_number_is_refused(string pageSizeJson, string reason)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        var result = await client.CallToolAsync("notes_list", new Dictionary<string, object?> { ["pageSize"] = ToolResults.Raw(pageSizeJson) });

        AssertToolError(result, reason);
    }

    // The bounds come from each parameter's [Range], which the SDK turns into minimum/maximum in the input schema.
    [TestCase("notes_list", "pageSize", 0, "'pageSize' must be at least 1.")]
    [TestCase("notes_list", "pageSize", 101, "'pageSize' must be at most 100.")]
    [TestCase("files_list", "pageSize", 201, "'pageSize' must be at most 200.")]
    [TestCase("notes_search", "limit", 51, "'limit' must be at most 50.")]
    public async Task A_whole_number_outside_its_range_is_refused_with_the_bound(string tool, string argument, int value, string reason)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);
        var arguments = new Dictionary<string, object?> { [argument] = value };
        if (tool == "notes_search")
        {
            arguments["text"] = "x";
        }

        var result = await client.CallToolAsync(tool, arguments);

        AssertToolError(result, reason);
    }

    [Test]
    public async Task An_encoding_outside_the_enum_is_refused_and_not_stored()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        var result = await FilesToolsTests.WriteAsync(client, marker, "abc", encoding: "binary");

        AssertToolError(result, "'encoding' must be one of", "\"base64\"");
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [Test]
    public async Task An_unknown_argument_name_is_refused_with_the_real_names_and_not_stored()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        var misspelled = await client.CallToolAsync("notes_add", new Dictionary<string, object?> { ["titel"] = marker });
        AssertToolError(misspelled, "'titel' is not an argument of this tool; the arguments are: title, body, tags", "'title' is required");

        var extra = await client.CallToolAsync("files_write", new Dictionary<string, object?> { ["name"] = marker, ["content"] = "x", ["overwrite"] = true });
        AssertToolError(extra, "'overwrite' is not an argument of this tool");

        var none = await client.CallToolAsync("whoami", new Dictionary<string, object?> { ["verbose"] = true });
        AssertToolError(none, "'verbose' is not an argument of this tool (it takes none)");

        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase("preferences_set", "key", "'value' is required")]
    [TestCase("files_write", "name", "'content' is required")]
    [TestCase("notes_import", null, "'fileName' is required")]
    [TestCase("notes_get", null, "'id' is required")]
    public async Task A_missing_required_argument_is_named_and_nothing_is_stored(string tool, string? markerArgument, string reason)
    {
        await using var client = await Clients.LegacySseAsync(TestRun.Server);
        var marker = Marker();
        var arguments = new Dictionary<string, object?>();
        if (markerArgument is not null)
        {
            arguments[markerArgument] = marker;
        }

        var result = await client.CallToolAsync(tool, arguments);

        AssertToolError(result, reason);
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase(ClientTransport.Session)]
    [TestCase(ClientTransport.Stateless)]
    [TestCase(ClientTransport.LegacySse)]
    public async Task An_unknown_tool_is_a_protocol_error_and_the_client_keeps_working(ClientTransport transport)
    {
        await using var client = await transport.ConnectAsync();

        var error = Assert.ThrowsAsync<McpProtocolException>(async () => await client.CallToolAsync("notes_frobnicate"));

        Assert.That(error!.ErrorCode, Is.EqualTo(McpErrorCode.InvalidParams));
        Assert.That(error.Message, Does.Contain("notes_frobnicate"));
        var after = await client.CallToolAsync("calculator_add", new Dictionary<string, object?> { ["a"] = 1, ["b"] = 1 });
        Assert.That(after.Text(), Is.EqualTo("2"), "the connection survives the error");
    }

    [TestCase("not base64!!")]
    [TestCase("QUJD*")]
    [TestCase("A")]
    public async Task Invalid_base64_is_refused_and_not_stored(string content)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        var result = await FilesToolsTests.WriteAsync(client, $"{marker}.bin", content, "base64");

        AssertToolError(result, "'content' is not valid base64", "encoding 'text'");
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase("../x")]
    [TestCase("")]
    [TestCase("KQ3M0Z1AB-7X2FD")]
    [TestCase("kq3m0z1ab_7x2fd")]
    [TestCase("kq3m0z1ab-7x2fd' or 1 eq 1")]
    public async Task An_invalid_note_id_is_refused_by_every_note_tool(string id)
    {
        await using var client = await Clients.StatelessAsync(TestRun.Server);

        AssertToolError(await client.CallToolAsync("notes_get", new Dictionary<string, object?> { ["id"] = id }), "is not a note id", "notes_list");
        AssertToolError(await client.CallToolAsync("notes_update", new Dictionary<string, object?> { ["id"] = id, ["title"] = "x" }), "is not a note id");
        AssertToolError(await client.CallToolAsync("notes_delete", new Dictionary<string, object?> { ["id"] = id }), "is not a note id");
    }

    [Test]
    public async Task Too_many_tags_are_refused_and_not_stored()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();
        var tags = Enumerable.Range(1, 11).Select(i => $"tag{i}").ToArray();

        var result = await NotesToolsTests.AddAsync(client, marker, "body", tags);

        AssertToolError(result, "at most 10 tags; 11 were given");
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase("has space", "Tag 'has space' is not valid")]
    [TestCase("", "Tag '' is not valid")]
    [TestCase("ümlaut", "a-z, 0-9")]
    public async Task A_malformed_tag_is_refused_and_not_stored(string tag, string reason)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        var result = await NotesToolsTests.AddAsync(client, marker, "body", [tag]);

        AssertToolError(result, reason);
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [TestCase("title\u0007bell", "control character U+0007")]
    [TestCase("   ", "title is required")]
    public async Task A_bad_title_is_refused_and_not_stored(string title, string reason)
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();

        var result = await NotesToolsTests.AddAsync(client, title, marker);

        AssertToolError(result, reason);
        Assert.That(await StorageProbe.StoredItemsMentioningAsync(marker), Is.Empty);
    }

    [Test]
    public async Task A_bad_update_leaves_the_note_as_it_was()
    {
        await using var client = await Clients.StreamableAsync(TestRun.Server);
        var marker = Marker();
        var note = (await NotesToolsTests.AddAsync(client, marker, "original", ["keep"])).Read<McpFunctions.Features.Notes.Note>();

        var result = await client.CallToolAsync("notes_update", new Dictionary<string, object?>
        {
            ["id"] = note.Id,
            ["body"] = "changed",
            ["tags"] = Enumerable.Range(0, 12).Select(i => $"t{i}").ToArray(),
        });

        AssertToolError(result, "at most 10 tags");
        var stored = (await StorageProbe.RowsAsync(StorageProbe.NotesTable, StorageProbe.LocalDeveloperPartition)).Single(r => r.RowKey == note.Id);
        Assert.That((stored.GetString("Body"), stored.GetString("Tags")), Is.EqualTo(("original", "keep")), "a rejected update changes no field");
    }

    private static void AssertToolError(CallToolResult result, params string[] fragments)
    {
        Assert.That(result.IsError, Is.True, $"expected an isError result, got: {result.Text()}");
        foreach (var fragment in fragments)
        {
            Assert.That(result.Text(), Does.Contain(fragment));
        }

        Assert.That(result.Text(), Does.Not.Contain("   at "), "no stack trace");
    }

    private static string Marker() => "m" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>The bad name with a unique marker inside it, keeping whatever makes it bad.</summary>
    private static string WithMarker(string badName, string marker) =>
        badName.Length > 1000 ? marker + badName[marker.Length..] : badName + marker;
}
