using McpFunctions.Auth;
using McpFunctions.Features.Files;
using McpFunctions.Features.Notes;

namespace McpFunctions.Features;

/// <summary><c>completion/complete</c>: suggests values for prompt arguments and resource-template variables from the caller's own data.</summary>
internal static class ArgumentCompletions
{
    public const int MaxValues = 100;

    public static async ValueTask<CompleteResult> CompleteAsync(RequestContext<CompleteRequestParams> request, CancellationToken cancellationToken)
    {
        var parameters = request.Params!;
        var argument = parameters.Argument.Name;
        var typed = parameters.Argument.Value ?? "";
        var services = request.Services!;

        IEnumerable<string> candidates = (parameters.Ref, argument) switch
        {
            (PromptReference { Name: "review_file" }, "name") or (ResourceTemplateReference { Uri: FileUri.Template }, "name") =>
                await FileNamesAsync(services.GetRequiredService<UserFileStore>(), Caller.From(request.User), cancellationToken),
            (PromptReference { Name: "summarize_notes" }, "tag") =>
                await TagsAsync(services.GetRequiredService<NoteStore>(), Caller.From(request.User), cancellationToken),
            (PromptReference { Name: "summarize_notes" }, "style") => ["bullets", "paragraph"],
            _ => [],
        };

        var matches = candidates.Where(c => c.StartsWith(typed, StringComparison.OrdinalIgnoreCase)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
        return new CompleteResult
        {
            Completion = new Completion
            {
                Values = matches.Take(MaxValues).ToList(),
                Total = matches.Count,
                HasMore = matches.Count > MaxValues,
            },
        };
    }

    private static async Task<IEnumerable<string>> FileNamesAsync(UserFileStore files, Caller caller, CancellationToken cancellationToken) =>
        (await files.ListAsync(caller, 200, cursor: null, cancellationToken)).Files.Select(f => f.Name);

    private static async Task<IEnumerable<string>> TagsAsync(NoteStore notes, Caller caller, CancellationToken cancellationToken) =>
        (await notes.ListAsync(caller, 100, cursor: null, cancellationToken)).Notes.SelectMany(n => n.Tags);
}
