using System.Collections.Concurrent;
using System.Net;
using Azure.Data.Tables;
using McpFunctions.Sessions.State;
using McpFunctions.Tests.Fixtures;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace McpFunctions.Tests.Sessions.State;

/// <summary>The session row's lifetime and cost, with two in-process instances and a fake clock.</summary>
[NonParallelizable]
public sealed class SessionEntityTests
{
    [Test]
    public async Task The_first_request_on_a_new_instance_costs_one_table_read()
    {
        var log = new StorageRequestLog();
        await using var second = new LoopbackServer(TestRun.Azurite.ConnectionString, services: s =>
            s.Replace(ServiceDescriptor.Singleton(log.ClientsFor(TestRun.Azurite.ConnectionString)))).Start();
        using var http = new HttpClient();
        var session = await RawSession.InitializeAsync(http, TestRun.Server.BaseAddress, "cost");
        await session.CallToolAsync(second.BaseAddress, "calculator_add", new { a = 1, b = 2 }); // warms the second instance's tables and connections
        var other = await RawSession.InitializeAsync(http, TestRun.Server.BaseAddress, "cost");

        var mark = log.Mark();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (result, _) = await other.CallToolAsync(second.BaseAddress, "calculator_add", new { a = 2, b = 3 });
        var first = clock.Elapsed.TotalMilliseconds;

        Assert.That(result.GetProperty("content")[0].GetProperty("text").GetString(), Is.EqualTo("5"));
        Assert.That(log.TableReadsSince(mark, "mcpsessions"), Is.EqualTo(1), "migrating the session read its row once");
        clock.Restart();
        var (_, _) = await other.CallToolAsync(second.BaseAddress, "calculator_add", new { a = 2, b = 3 });
        var next = clock.Elapsed.TotalMilliseconds;
        Assert.That(log.TableReadsSince(mark, "mcpsessions"), Is.LessThanOrEqualTo(2), "a following request within the cache lifetime reads at most once more");
        TestContext.Out.WriteLine($"first call on the new instance {first:F1} ms (1 Table read), the next call {next:F1} ms");
    }

    [Test]
    public async Task A_session_idle_past_the_memory_timeout_leaves_the_instance_and_its_next_call_restores_it_from_its_row()
    {
        var restored = new ConcurrentQueue<string>();
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Mcp:SessionMemoryIdleTimeout"] = "00:00:05" }, services: s =>
            s.Replace(ServiceDescriptor.Singleton<ISessionMigrationHandler>(sp => new ObservedMigration(ActivatorUtilities.CreateInstance<SessionMigration>(sp), restored)))).Start();
        using var http = new HttpClient();
        var session = await RawSession.InitializeAsync(http, server.BaseAddress, "forgetful");
        await session.CallToolAsync(server.BaseAddress, "session_set", new { key = "colour", value = "green" });
        var restoredEarly = restored.Count;

        // The SDK looks for idle sessions every few seconds; past the timeout, this one is gone from memory.
        await Task.Delay(TimeSpan.FromSeconds(12));
        var (result, _) = await session.CallToolAsync(server.BaseAddress, "session_get", new { key = "colour" });

        Assert.Multiple(() =>
        {
            Assert.That(restoredEarly, Is.Zero, "a session in use stays in memory");
            Assert.That(restored, Is.EqualTo(new[] { session.SessionId }), "restored from its row once");
            Assert.That(result.GetProperty("structuredContent").GetProperty("colour").GetString(), Is.EqualTo("green"), "with its state");
        });
    }

    /// <summary>The app's migration handler, noting each session it restores.</summary>
    private sealed class ObservedMigration(ISessionMigrationHandler inner, ConcurrentQueue<string> restored) : ISessionMigrationHandler
    {
        public ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken) =>
            inner.OnSessionInitializedAsync(context, sessionId, initializeParams, cancellationToken);

        public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken)
        {
            var result = await inner.AllowSessionMigrationAsync(context, sessionId, cancellationToken);
            if (result is not null)
            {
                restored.Enqueue(sessionId);
            }

            return result;
        }
    }

    [Test]
    public async Task Short_calls_answered_in_full_store_no_stream_events()
    {
        var log = new StorageRequestLog();
        // The audit trail's batches would count as writes here; they are not stream events.
        await using var server = new LoopbackServer(TestRun.Azurite.ConnectionString, new Dictionary<string, string?> { ["Audit:Enabled"] = "false" }, services: s =>
            s.Replace(ServiceDescriptor.Singleton(log.ClientsFor(TestRun.Azurite.ConnectionString)))).Start();
        using var http = new HttpClient();
        var session = await RawSession.InitializeAsync(http, server.BaseAddress, "quiet");

        var mark = log.Mark();
        for (var i = 0; i < 10; i++)
        {
            await session.CallToolAsync(server.BaseAddress, "calculator_add", new { a = i, b = 1 });
        }

        await Task.Delay(TimeSpan.FromSeconds(1.5)); // past the persist delay
        Assert.That(log.Requests.Skip(mark).Count(r => r.Path.Contains("/mcpevents", StringComparison.Ordinal) || r.Path.Contains("$batch", StringComparison.Ordinal)), Is.Zero,
            "the events of streams delivered in full were dropped, not written");
    }

    [Test]
    public async Task An_idle_session_expires_and_is_swept_while_an_active_one_lives_on()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = new LoopbackServer(
            TestRun.Azurite.ConnectionString,
            new Dictionary<string, string?> { ["Mcp:SessionIdleTimeout"] = "00:10:00", ["Mcp:SessionTouchInterval"] = "00:01:00" },
            s => s.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock))).Start();
        using var http = new HttpClient();
        var idle = await RawSession.InitializeAsync(http, server.BaseAddress, "expiry");
        var active = await RawSession.InitializeAsync(http, server.BaseAddress, "expiry");

        for (var minute = 0; minute < 15; minute += 3)
        {
            clock.Advance(TimeSpan.FromMinutes(3));
            await active.CallToolAsync(server.BaseAddress, "calculator_add", new { a = 1, b = 1 });
        }

        using (var expired = await idle.SendAsync(server.BaseAddress, """{"jsonrpc":"2.0","id":3,"method":"tools/list"}"""))
        {
            Assert.That(expired.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "15 minutes without a request is past the 10-minute idle timeout");
        }

        var (alive, _) = await active.CallToolAsync(server.BaseAddress, "whoami");
        Assert.That(alive.GetProperty("structuredContent").GetProperty("sessionId").GetString(), Is.EqualTo(active.SessionId));

        var sweeper = server.Services.GetRequiredService<SessionSweeper>();
        await sweeper.SweepOnceAsync(CancellationToken.None);

        var rows = new TableServiceClient(TestRun.Azurite.ConnectionString).GetTableClient("mcpsessions");
        Assert.That((await rows.GetEntityIfExistsAsync<TableEntity>(idle.SessionId, SessionEntity.Row)).HasValue, Is.False, "the swept row is gone");
        Assert.That((await rows.GetEntityIfExistsAsync<TableEntity>(active.SessionId, SessionEntity.Row)).HasValue, Is.True);
    }
}
