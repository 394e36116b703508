using System.Text;

namespace McpFunctions.Tests.Fixtures;

/// <summary>
/// Debian's nginx as a round-robin proxy without affinity in front of several app instances, on 127.0.0.1.
/// Installs the package with apt-get when it is missing.
/// </summary>
public sealed class Nginx : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private readonly ChildProcess _process;
    private readonly string _prefix;

    private Nginx(ChildProcess process, string prefix, int port)
    {
        _process = process;
        _prefix = prefix;
        Port = port;
    }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    public string Output => _process.Output;

    /// <param name="readTimeout">How long nginx waits for the app's next bytes before it cuts the request (a front end's limit).</param>
    public static async Task<Nginx> StartAsync(IEnumerable<int> upstreamPorts, TimeSpan? readTimeout = null)
    {
        var nginx = await EnsureInstalledAsync();
        var port = FreePort.Next();
        var prefix = Directory.CreateTempSubdirectory("mcpfunctions-nginx-").FullName;
        foreach (var folder in new[] { "logs", "client_body", "proxy" })
        {
            Directory.CreateDirectory(Path.Combine(prefix, folder));
        }

        File.WriteAllText(Path.Combine(prefix, "nginx.conf"), Config(prefix, port, upstreamPorts, readTimeout ?? TimeSpan.FromSeconds(300)));
        var process = ChildProcess.Start(nginx, ["-p", prefix, "-c", Path.Combine(prefix, "nginx.conf"), "-e", "stderr"]);
        try
        {
            await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(20), () => process.HasExited);
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            var output = process.Output;
            await process.DisposeAsync();
            throw new InvalidOperationException($"nginx did not start: {e.Message}\n{output}", e);
        }

        return new Nginx(process, prefix, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync();
        try
        {
            Directory.Delete(_prefix, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private static string Config(string prefix, int port, IEnumerable<int> upstreamPorts, TimeSpan readTimeout)
    {
        var servers = new StringBuilder();
        foreach (var upstream in upstreamPorts)
        {
            servers.Append("        server 127.0.0.1:").Append(upstream).AppendLine(" max_fails=1 fail_timeout=2s;");
        }

        // Round robin, no affinity. Streams are passed through unbuffered; a dead instance is skipped on connect errors.
        return $$"""
            daemon off;
            master_process off;
            worker_processes 1;
            pid {{prefix}}/nginx.pid;
            error_log stderr warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path {{prefix}}/client_body;
                proxy_temp_path {{prefix}}/proxy;
                client_max_body_size 8m;
                upstream app {
            {{servers}}    }
                server {
                    listen 127.0.0.1:{{port}};
                    location / {
                        proxy_pass http://app;
                        proxy_http_version 1.1;
                        proxy_set_header Connection "";
                        proxy_set_header Host $http_host;
                        proxy_set_header X-Forwarded-For $remote_addr;
                        proxy_set_header X-Forwarded-Proto $scheme;
                        proxy_buffering off;
                        proxy_request_buffering off;
                        proxy_cache off;
                        proxy_read_timeout {{(int)readTimeout.TotalSeconds}}s;
                        proxy_next_upstream error timeout;
                        proxy_connect_timeout 2s;
                    }
                }
            }
            """;
    }

    private static async Task<string> EnsureInstalledAsync()
    {
        foreach (var candidate in new[] { "/usr/sbin/nginx", "/usr/bin/nginx" })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        await InstallGate.WaitAsync();
        try
        {
            if (!File.Exists("/usr/sbin/nginx"))
            {
                var environment = new Dictionary<string, string?> { ["DEBIAN_FRONTEND"] = "noninteractive" };
                var (updateCode, updateOutput) = await ChildProcess.RunAsync("apt-get", ["update", "-q"], TimeSpan.FromMinutes(5), environment: environment);
                var (installCode, installOutput) = await ChildProcess.RunAsync("apt-get", ["install", "-y", "-q", "--no-install-recommends", "nginx"], TimeSpan.FromMinutes(5), environment: environment);
                if (installCode != 0 || !File.Exists("/usr/sbin/nginx"))
                {
                    throw new InvalidOperationException($"Installing nginx failed (update exit {updateCode}, install exit {installCode}):\n{updateOutput}\n{installOutput}");
                }
            }

            return "/usr/sbin/nginx";
        }
        finally
        {
            InstallGate.Release();
        }
    }
}
