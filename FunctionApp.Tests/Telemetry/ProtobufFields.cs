using System.Text;

namespace McpFunctions.Tests.Telemetry;

/// <summary>
/// Reads the fields of one protobuf message: enough of the wire format to walk OTLP payloads without generated
/// classes (no OTLP proto package is available to the tests).
/// </summary>
public static class ProtobufFields
{
    /// <summary>One field: its number, and either its varint or fixed value or its length-delimited bytes.</summary>
    public readonly record struct Field(int Number, ulong Value, ReadOnlyMemory<byte> Bytes)
    {
        public string Text => Encoding.UTF8.GetString(Bytes.Span);

        public string Hex => Convert.ToHexString(Bytes.Span).ToLowerInvariant();
    }

    public static IEnumerable<Field> Read(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message.Span, ref position);
            var number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0:
                    yield return new Field(number, ReadVarint(message.Span, ref position), default);
                    break;
                case 1:
                    yield return new Field(number, BitConverter.ToUInt64(message.Span.Slice(position, 8)), default);
                    position += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message.Span, ref position);
                    yield return new Field(number, 0, message.Slice(position, length));
                    position += length;
                    break;
                case 5:
                    yield return new Field(number, BitConverter.ToUInt32(message.Span.Slice(position, 4)), default);
                    position += 4;
                    break;
                default:
                    throw new InvalidDataException($"Unsupported protobuf wire type in key {key}.");
            }
        }
    }

    /// <summary>The length-delimited fields with this number.</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Messages(ReadOnlyMemory<byte> message, int number) =>
        Read(message).Where(f => f.Number == number).Select(f => f.Bytes);

    /// <summary>OTLP KeyValue list (key 1, AnyValue 2), with string, bool, int and double values as text.</summary>
    public static IReadOnlyDictionary<string, string> Attributes(ReadOnlyMemory<byte> message, int number)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var keyValue in Messages(message, number))
        {
            var fields = Read(keyValue).ToList();
            var key = fields.First(f => f.Number == 1).Text;
            var value = fields.FirstOrDefault(f => f.Number == 2).Bytes;
            attributes[key] = AnyValue(value);
        }

        return attributes;
    }

    public static string AnyValue(ReadOnlyMemory<byte> value)
    {
        foreach (var field in Read(value))
        {
            return field.Number switch
            {
                1 => field.Text,
                2 => (field.Value != 0).ToString(),
                3 => ((long)field.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                4 => BitConverter.UInt64BitsToDouble(field.Value).ToString(System.Globalization.CultureInfo.InvariantCulture),
                _ => "",
            };
        }

        return "";
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> bytes, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }
}
