using System.Reflection;
using McpFunctions.Mcp;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Server;

namespace McpFunctions.Tests.Mcp;

/// <summary>The options built once and copied per stateless request must copy every setting the SDK has.</summary>
public sealed class ReusedServerOptionsTests
{
    [Test]
    public void A_copy_carries_every_public_settable_property_of_the_SDK_options()
    {
        // The factory's options have the built collections, handlers and filters; every property still at its default
        // gets a sample value, so a property the copy misses shows up as a difference rather than as default == default.
        var template = TestRun.Server.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>().Create(Options.DefaultName);
        var settable = typeof(McpServerOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanRead && p.SetMethod is { IsPublic: true } && p.GetIndexParameters().Length == 0)
            .ToList();
        var fresh = new McpServerOptions();
        foreach (var property in settable.Where(p => Equals(p.GetValue(template), p.GetValue(fresh))))
        {
            var sample = property.PropertyType == typeof(bool) ? !(bool)property.GetValue(fresh)! : Sample(property.PropertyType);
            Assert.That(sample, Is.Not.Null.And.Not.EqualTo(property.GetValue(fresh)),
                $"No sample value for McpServerOptions.{property.Name} ({property.PropertyType}) that differs from its default; teach Sample() the type.");
            property.SetValue(template, sample);
        }

        var copy = ReusedServerOptions.Copy(template);

        Assert.That(settable, Has.Count.GreaterThanOrEqualTo(10));
        foreach (var property in settable)
        {
            Assert.That(property.GetValue(copy), Is.SameAs(property.GetValue(template)).Or.EqualTo(property.GetValue(template)),
                $"McpServerOptions.{property.Name} is not copied by ReusedServerOptions.Copy; add it there.");
        }
    }

    private static object? Sample(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            _ when type == typeof(string) => "sample",
            _ when type == typeof(TimeSpan) => TimeSpan.FromSeconds(7),
            _ when type == typeof(int) => 7_777,
            _ when type == typeof(long) => 7_777L,
            _ when type == typeof(bool) => true,
            { IsEnum: true } => Enum.GetValues(type).Cast<object>().Last(),
            { IsGenericType: true } when type.GetGenericTypeDefinition() == typeof(IList<>) => Activator.CreateInstance(typeof(List<>).MakeGenericType(type.GetGenericArguments())),
            { IsAbstract: false, IsInterface: false } when type.GetConstructor(Type.EmptyTypes) is not null => Activator.CreateInstance(type),
            _ => null,
        };
    }

    [Test]
    public void The_template_is_built_once_and_every_request_gets_its_own_copy()
    {
        var factory = TestRun.Server.Services.GetRequiredService<IOptionsFactory<McpServerOptions>>();

        var first = factory.Create(Options.DefaultName);
        var second = factory.Create(Options.DefaultName);

        Assert.That(second, Is.Not.SameAs(first), "per-server changes stay apart");
        Assert.That(second.ToolCollection, Is.SameAs(first.ToolCollection), "the tools are built once");
        Assert.That(second.Handlers, Is.SameAs(first.Handlers));
    }
}
