namespace McpFunctions.Storage;

/// <summary>
/// The pause before re-reading a row that another writer changed first (412): it grows with the attempt and is
/// random, so that writers racing on one row do not collide again in lockstep.
/// </summary>
internal static class ConflictPause
{
    public static Task WaitAsync(int attempt, TimeProvider time, CancellationToken cancellationToken) =>
        Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(1, Math.Min(10 * attempt, 100))), time, cancellationToken);
}
