using Microsoft.Playwright;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// Debian's chromium, headless, driven through Playwright (the installed binary; Playwright downloads no browser).
/// Installs the package with apt-get when it is missing.
/// </summary>
public sealed class Chromium : IAsyncDisposable
{
    private const string Executable = "/usr/bin/chromium";

    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Chromium(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<Chromium> LaunchAsync()
    {
        var executable = await EnsureInstalledAsync();
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = executable,
                Headless = true,
                // No sandbox: tests may run as root in a container. The rest stops the browser's own traffic
                // (component updates, sync, background requests), so it only talks to the pages a test opens.
                Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
                Timeout = 60_000,
            });
            return new Chromium(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens <paramref name="authorizationUri"/> in a fresh browser profile (no cookies), signs in on the local
    /// sign-in page as <paramref name="user"/>, presses Allow on the consent page and waits until the browser
    /// arrives at <paramref name="redirectUri"/>. Returns the text of the page shown there.
    /// </summary>
    public async Task<string> SignInAndAllowAsync(Uri authorizationUri, string user, Uri redirectUri, CancellationToken cancellationToken)
    {
        await using var context = await _browser.NewContextAsync();
        var page = await context.NewPageAsync();
        // Only a guard against a hang: each step normally takes milliseconds.
        page.SetDefaultTimeout(30_000);
        using var cancel = cancellationToken.Register(() => _ = context.CloseAsync());

        // What the browser itself reported (a refused request, a Content-Security-Policy violation), for a failure.
        var browserLog = new List<string>();
        var callback = redirectUri.GetLeftPart(UriPartial.Path);
        var arrived = new TaskCompletionSource<IResponse>(TaskCreationOptions.RunContinuationsAsynchronously);
        page.Console += (_, message) => Note(browserLog, $"console {message.Type}: {message.Text}");
        page.RequestFailed += (_, request) => Note(browserLog, $"request failed: {request.Method} {request.Url} ({request.Failure})");
        page.Response += (_, response) =>
        {
            Note(browserLog, $"{response.Request.Method} {response.Url} -> {response.Status}");
            if (response.Url.StartsWith(callback, StringComparison.Ordinal))
            {
                arrived.TrySetResult(response);
            }
        };
        try
        {
            await page.GotoAsync(authorizationUri.ToString());
            await page.Locator("input[name=username]").FillAsync(user);
            await page.Locator("form button[type=submit]").ClickAsync();
            await page.Locator("button[name=decision][value=allow]").ClickAsync();
            // The callback's own response, as the browser received it: a wait on navigation events can miss a
            // navigation that completed before the wait began (seen once on a loaded machine).
            var answer = await arrived.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
            return await answer.TextAsync();
        }
        catch (Exception e) when (e is PlaywrightException or TimeoutException)
        {
            // Show what the user would have seen instead of the next step.
            var shown = page.IsClosed ? "(closed)" : await page.ContentAsync();
            string log;
            lock (browserLog)
            {
                log = string.Join('\n', browserLog);
            }

            throw new InvalidOperationException($"{e.Message}\nThe browser saw:\n{log}\nIt is at {page.Url}, showing:\n{shown}", e);
        }
    }

    private static void Note(List<string> log, string line)
    {
        lock (log)
        {
            log.Add(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private static async Task<string> EnsureInstalledAsync()
    {
        if (File.Exists(Executable))
        {
            return Executable;
        }

        await InstallGate.WaitAsync();
        try
        {
            if (!File.Exists(Executable))
            {
                var environment = new Dictionary<string, string?> { ["DEBIAN_FRONTEND"] = "noninteractive" };
                var (updateCode, updateOutput) = await ChildProcess.RunAsync("apt-get", ["update", "-q"], TimeSpan.FromMinutes(5), environment: environment);
                var (installCode, installOutput) = await ChildProcess.RunAsync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "chromium"], TimeSpan.FromMinutes(10), environment: environment);
                if (installCode != 0 || !File.Exists(Executable))
                {
                    throw new InvalidOperationException($"Installing chromium failed (update exit {updateCode}, install exit {installCode}):\n{updateOutput}\n{installOutput}");
                }
            }

            return Executable;
        }
        finally
        {
            InstallGate.Release();
        }
    }
}
