using McpFunctions.Sessions.Streams;

namespace McpFunctions.Tests.Sessions.Streams;

/// <summary>The delivery ticket an event writer uses to drop a response stream that reached the client in full.</summary>
public sealed class StreamDeliveriesTests
{
    [Test]
    public void A_callback_registered_before_delivery_runs_once_when_the_response_is_delivered()
    {
        var ticket = new DeliveryTicket();
        var calls = 0;
        ticket.OnDelivered(() => calls++);

        Assert.That(calls, Is.Zero, "nothing runs before delivery");
        ticket.MarkDelivered();
        ticket.MarkDelivered();

        Assert.Multiple(() =>
        {
            Assert.That(ticket.Delivered, Is.True);
            Assert.That(calls, Is.EqualTo(1));
        });
    }

    [Test]
    public void A_callback_registered_after_delivery_runs_at_once()
    {
        var ticket = new DeliveryTicket();
        ticket.MarkDelivered();
        var ran = false;

        ticket.OnDelivered(() => ran = true);

        Assert.That(ran, Is.True);
    }

    [Test]
    public async Task A_ticket_is_visible_inside_its_request_flow_only()
    {
        DeliveryTicket? seenInside;
        using (var scope = StreamDeliveries.Begin())
        {
            seenInside = await Task.Run(() => StreamDeliveries.Current);
            Assert.That(seenInside, Is.SameAs(scope.Ticket), "the flow of the request carries its ticket");
        }

        Assert.That(StreamDeliveries.Current, Is.Null, "no ticket outside the request");
    }
}
