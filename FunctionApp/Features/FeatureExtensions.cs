using System.Text.Json.Serialization.Metadata;
using McpFunctions.Features.Calculator;
using McpFunctions.Features.Files;
using McpFunctions.Features.Identity;
using McpFunctions.Features.Notes;
using McpFunctions.Features.Preferences;
using McpFunctions.Features.Profile;
using McpFunctions.Features.Session;

namespace McpFunctions.Features;

/// <summary>
/// The product's features, one folder each. Tools, prompts and resources are found by their attributes
/// (<c>[McpServerToolType]</c> and so on), so adding a tool to a feature touches only that feature's folder.
/// </summary>
internal static class FeatureExtensions
{
    public static IServiceCollection AddFeatures(this IServiceCollection services) => services
        .AddSingleton<NoteStore>()
        .AddSingleton<PreferenceStore>()
        .AddSingleton<UserFileStore>()
        .AddSingleton<SessionState>();

    /// <summary>
    /// Each feature's compile-time JSON metadata for its tools' parameters and results. Building every tool's schema
    /// through reflection JIT-compiled about a thousand generic methods on each cold start; with these contexts the
    /// metadata is precompiled with the app (ReadyToRun). A type missing here still works, through reflection.
    /// </summary>
    public static IJsonTypeInfoResolver ToolJson { get; } = JsonTypeInfoResolver.Combine(
        NotesJson.Default,
        FilesJson.Default,
        PreferencesJson.Default,
        SessionJson.Default,
        IdentityJson.Default,
        ProfileJson.Default,
        CalculatorJson.Default);

    /// <summary>The tools, prompts and resources in this assembly, and the protocol handlers the features answer.</summary>
    public static IMcpServerBuilder WithFeatures(this IMcpServerBuilder mcp, JsonSerializerOptions toolJson)
    {
        var assembly = typeof(FeatureExtensions).Assembly;
        return mcp
            .WithToolsFromAssembly(assembly, toolJson)
            .WithPromptsFromAssembly(assembly)
            .WithResourcesFromAssembly(assembly)
            .WithListResourcesHandler(FileResources.ListAsync)
            .WithSubscribeToResourcesHandler(ResourceSubscriptions.SubscribeAsync)
            .WithUnsubscribeFromResourcesHandler(ResourceSubscriptions.UnsubscribeAsync)
            .WithCompleteHandler(ArgumentCompletions.CompleteAsync);
    }
}
