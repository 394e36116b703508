using System.Text;
using McpFunctions.Tests.Fixtures;

namespace McpFunctions.Tests.Infra;

/// <summary>
/// Stand-ins for the <c>az</c> and <c>azd</c> command lines, as small bash scripts in a temporary folder that goes first
/// on the PATH of the script under test. Each records its arguments (and any <c>@file</c> it is handed). <c>az</c>
/// answers from rules the test gives, playing Entra and Azure; <c>azd env get-values</c>/<c>env set</c> read and write a
/// .env file as azd does. A <c>jq</c> that always fails shows that the script does without it.
/// </summary>
public sealed class CliStandIn : IDisposable
{
    private const string Recorder = """
        n=$(( $(<"$dir/counter") + 1 ))
        echo "$n" >"$dir/counter"
        id=$(printf '%04d' "$n")
        printf '%s\n' "$@" >"$dir/calls/$id.$tool"
        for arg in "$@"; do
            if [[ $arg == @* && -f ${arg#@} ]]; then cp "${arg#@}" "$dir/calls/$id.$tool.body"; fi
        done
        """;

    // The newest rule whose fragments all occur, in order, in the command line wins.
    private const string AzScript = """
        args="$*"
        answer=''
        for match in "$dir"/rules/*.match; do
            [[ -e $match ]] || continue
            rest=$args
            matched=1
            while IFS= read -r fragment; do
                if [[ $rest == *"$fragment"* ]]; then rest=${rest#*"$fragment"}; else matched=0; break; fi
            done <"$match"
            if ((matched)); then answer=${match%.match}; fi
        done
        if [[ -z $answer ]]; then
            echo "az stand-in: no answer for: az $args" >&2
            exit 2
        fi
        cat "$answer.out"
        cat "$answer.err" >&2
        exit "$(<"$answer.code")"
        """;

    private const string AzdScript = """
        case "$1 $2" in
            "env get-values")
                cat "$dir/azd.env" ;;
            "env set")
                kept=''
                while IFS= read -r line; do
                    if [[ $line != "$3="* ]]; then kept+="$line"$'\n'; fi
                done <"$dir/azd.env"
                printf '%s%s="%s"\n' "$kept" "$3" "$4" >"$dir/azd.env" ;;
            *)
                echo "azd stand-in: no answer for: azd $*" >&2
                exit 2 ;;
        esac
        """;

    private const string JqScript = """
        echo "jq: command not found (a fresh machine may not have jq)" >&2
        exit 127
        """;

    private int _rules;

    private CliStandIn(string folder)
    {
        Folder = folder;
    }

    /// <summary>The folder holding the stand-ins (bin/, put first on the PATH) and their records.</summary>
    public string Folder { get; }

    public static CliStandIn Create()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("The stand-ins are bash scripts.");
        }

        var directory = Path.Combine(Path.GetTempPath(), $"mcpfunctions-cli-{Guid.NewGuid():N}");
        foreach (var folder in new[] { "bin", "calls", "rules", "tmp" })
        {
            Directory.CreateDirectory(Path.Combine(directory, folder));
        }

        File.WriteAllText(Path.Combine(directory, "counter"), "0");
        File.WriteAllText(Path.Combine(directory, "azd.env"), "");
        var standIn = new CliStandIn(directory);
        standIn.WriteTool("az", Recorder + "\n" + AzScript);
        standIn.WriteTool("azd", Recorder + "\n" + AzdScript);
        standIn.WriteTool("jq", Recorder + "\n" + JqScript);
        return standIn;
    }

    /// <summary>
    /// When an <c>az</c> command line contains every fragment, in order, print <paramref name="output"/> (and
    /// <paramref name="error"/> on stderr) and exit with <paramref name="exitCode"/>. Later rules win over earlier ones.
    /// </summary>
    public void Answer(string[] fragments, string output = "", int exitCode = 0, string error = "")
    {
        var rule = Path.Combine(Folder, "rules", $"{++_rules:D4}");
        File.WriteAllText(rule + ".out", output.Length == 0 || output.EndsWith('\n') ? output : output + "\n");
        File.WriteAllText(rule + ".err", error.Length == 0 ? "" : error + "\n");
        File.WriteAllText(rule + ".code", exitCode.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText(rule + ".match", string.Join('\n', fragments) + "\n");
    }

    public void Answer(string fragment, string output = "", int exitCode = 0, string error = "") =>
        Answer([fragment], output, exitCode, error);

    /// <summary>Sets a value in the azd environment, as <c>azd env set</c> or a Bicep output would.</summary>
    public void SetEnvironmentValue(string name, string value)
    {
        var lines = File.ReadAllLines(EnvironmentFile).Where(l => !l.StartsWith(name + "=", StringComparison.Ordinal));
        File.WriteAllLines(EnvironmentFile, [.. lines, $"{name}=\"{value}\""]);
    }

    /// <summary>The azd environment as <c>azd env get-values</c> prints it.</summary>
    public IReadOnlyDictionary<string, string> EnvironmentValues => File.ReadAllLines(EnvironmentFile)
        .Where(line => line.Contains('=', StringComparison.Ordinal))
        .ToDictionary(line => line[..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('"'));

    /// <summary>Every call so far, in order.</summary>
    public IReadOnlyList<CliCall> Calls => Directory.EnumerateFiles(Path.Combine(Folder, "calls"))
        .Where(file => !file.EndsWith(".body", StringComparison.Ordinal))
        .Order(StringComparer.Ordinal)
        .Select(file =>
        {
            var body = file + ".body";
            return new CliCall(
                Path.GetExtension(file).TrimStart('.'),
                File.ReadAllLines(file),
                File.Exists(body) ? File.ReadAllText(body) : null);
        })
        .ToList();

    public IReadOnlyList<CliCall> Az => Calls.Where(c => c.Tool == "az").ToList();

    public void ForgetCalls()
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Folder, "calls")))
        {
            File.Delete(file);
        }
    }

    /// <summary>Runs <c>bash infra/hooks/entra-app.sh <paramref name="phase"/></c> with the stand-ins first on the PATH.</summary>
    public Task<ChildProcess> RunHookAsync(string phase) => ChildProcess.RunToExitAsync(
        "bash",
        [RepoPaths.Combine("infra", "hooks", "entra-app.sh"), phase],
        TimeSpan.FromSeconds(60),
        environment: new Dictionary<string, string?>
        {
            ["PATH"] = Path.Combine(Folder, "bin") + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH"),
            ["TMPDIR"] = Path.Combine(Folder, "tmp"),
        });

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string EnvironmentFile => Path.Combine(Folder, "azd.env");

    private void WriteTool(string name, string body)
    {
        var path = Path.Combine(Folder, "bin", name);
        var script = new StringBuilder()
            .Append("#!/usr/bin/env bash\n")
            .Append("# Stand-in written by FunctionApp.Tests/Infra/CliStandIn.cs.\n")
            .Append(CultureInvariant($"dir='{Folder}'\ntool='{name}'\n"))
            .Append(body.ReplaceLineEndings("\n"))
            .Append('\n');
        File.WriteAllText(path, script.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);
}
