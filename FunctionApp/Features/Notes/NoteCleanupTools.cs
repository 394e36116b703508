using System.ComponentModel;
using System.Security.Claims;
using McpFunctions.Auth;
using McpFunctions.Mcp;

namespace McpFunctions.Features.Notes;

/// <summary>Destructive work that runs only after the user confirms it through the client.</summary>
[McpServerToolType]
internal sealed class NoteCleanupTools(NoteStore notes, RequestStateProtector requestStates, ILogger<NoteCleanupTools> logger)
{
    public const string ToolName = "notes_delete_all";
    public const string ConfirmField = "confirm";

    /// <remarks>
    /// Written as an MRTR tool: the first call returns an input-required result (an elicitation plus sealed
    /// request state) and the retry carries the answer. 2026-07-28 clients do the round trip themselves, on any
    /// instance; for session clients the SDK sends the elicitation and retries the tool with the answer.
    /// </remarks>
    [RequiresScope(McpScopes.NotesWrite)]
    [McpServerTool(Name = ToolName, Title = "Delete all notes", Destructive = true, Idempotent = true, OpenWorld = false)]
    [Description(
        "Permanently deletes every note of the signed-in user. Before anything is deleted the user is asked to confirm " +
        "in the client (elicitation); nothing happens without an explicit yes. Needs a client that supports elicitation.")]
    public async Task<string> DeleteAllNotes(
        ClaimsPrincipal? user,
        McpServer server,
        RequestContext<CallToolRequestParams> context,
        CancellationToken cancellationToken = default)
    {
        var caller = Caller.From(user);
        var parameters = context.Params;

        if (parameters?.RequestState is { } state)
        {
            var sealedState = requestStates.Unprotect(state, ToolName, caller.Id)
                ?? throw new InvalidArgumentException("The confirmation has expired or is not valid. Call notes_delete_all again to be asked once more.");
            if (!Confirmed(parameters.InputResponses))
            {
                return "Not confirmed: no notes were deleted.";
            }

            var deleted = await notes.DeleteAllAsync(caller, cancellationToken);
            logger.LogInformation("Deleted all {Count} notes of a caller after confirmation ({Subject})", deleted, sealedState.Subject);
            return $"Deleted {deleted} note{(deleted == 1 ? "" : "s")}.";
        }

        var count = await notes.CountAsync(caller, cancellationToken);
        if (count == 0)
        {
            return "You have no notes; nothing to delete.";
        }

        if (server.ClientCapabilities?.Elicitation is null)
        {
            throw new InvalidArgumentException(
                "Deleting all notes needs the user's confirmation, and this client cannot ask for it (no elicitation support). " +
                "Delete notes one by one with notes_delete, or use a client that supports elicitation.");
        }

        var question = new ElicitRequestParams
        {
            Message = $"Delete all {count} of your notes? This cannot be undone.",
            RequestedSchema = new ElicitRequestParams.RequestSchema
            {
                Properties = new Dictionary<string, ElicitRequestParams.PrimitiveSchemaDefinition>
                {
                    [ConfirmField] = new ElicitRequestParams.BooleanSchema
                    {
                        Title = "Delete every note",
                        Description = "Check to permanently delete all your notes.",
                        Default = false,
                    },
                },
                Required = [ConfirmField],
            },
        };

        throw new InputRequiredException(
            new Dictionary<string, InputRequest> { [ConfirmField] = InputRequest.ForElicitation(question) },
            requestState: requestStates.Protect(new RequestStateProtector.Payload(ToolName, caller.Id, $"{count} notes")));
    }

    private static bool Confirmed(IDictionary<string, InputResponse>? responses)
    {
        if (responses is null || !responses.TryGetValue(ConfirmField, out var response))
        {
            return false;
        }

        var answer = response.Deserialize(InputResponse.ElicitResultJsonTypeInfo);
        return answer is { IsAccepted: true, Content: { } content }
            && content.TryGetValue(ConfirmField, out var value)
            && value.ValueKind == JsonValueKind.True;
    }
}
