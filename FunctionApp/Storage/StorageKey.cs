using System.Text;

namespace McpFunctions.Storage;

/// <summary>
/// Reversible encoding of arbitrary strings into Table keys and blob name segments.
/// </summary>
/// <remarks>
/// Table keys forbid <c>/ \ # ?</c> and control characters, and <c>%</c> breaks point operations on some
/// services, so only <c>[A-Za-z0-9-_.]</c> pass through; every other UTF-8 byte becomes <c>~XX</c>.
/// A leading dot is escaped too, so no encoded value can be <c>.</c> or <c>..</c> as a blob path segment.
/// </remarks>
internal static class StorageKey
{
    public static string Encode(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var builder = new StringBuilder(value.Length + 8);
        Span<byte> bytes = stackalloc byte[4];
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (IsPassThrough(c) && !(i == 0 && c == '.'))
            {
                builder.Append(c);
                continue;
            }

            var length = char.IsSurrogatePair(value, i)
                ? Encoding.UTF8.GetBytes(value.AsSpan(i++, 2), bytes)
                : Encoding.UTF8.GetBytes(value.AsSpan(i, 1), bytes);
            foreach (var b in bytes[..length])
            {
                builder.Append('~').Append(b.ToString("X2"));
            }
        }

        return builder.ToString();
    }

    public static string Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        if (!encoded.Contains('~'))
        {
            return encoded;
        }

        var bytes = new List<byte>(encoded.Length);
        for (var i = 0; i < encoded.Length; i++)
        {
            if (encoded[i] == '~' && i + 2 < encoded.Length
                && byte.TryParse(encoded.AsSpan(i + 1, 2), System.Globalization.NumberStyles.HexNumber, null, out var b))
            {
                bytes.Add(b);
                i += 2;
            }
            else
            {
                bytes.Add((byte)encoded[i]);
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static bool IsPassThrough(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '-' or '_' or '.';
}
