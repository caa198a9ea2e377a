"""Webhook messages from real transitions and reminders, delivered to a real HTTP receiver on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app import clock
from app.obligations.models import Obligation
from app.webhooks import service
from app.webhooks.delivery import dispatch_webhooks
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from app.workflow import engine
from app.workflow.actor import Actor
from app.workflow.models import TransitionEvent
from tests.builders import SET_UP, advance, cast, draft_agreement, formalising_partnership, organisation, partnership

NOW = datetime(2027, 3, 1, 9, 0, tzinfo=UTC)


def _deliveries(session, subscription: WebhookSubscription) -> list[WebhookDelivery]:
    session.expire_all()
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id)
    return list(session.scalars(stmt.order_by(WebhookDelivery.id)))


def _dispatch_all(session_factory, settings, at: datetime) -> None:
    with clock.frozen_at(at):
        while dispatch_webhooks(session_factory, settings).claimed:
            pass


def test_each_state_change_fired_through_the_engine_is_one_message_to_each_matching_subscription(
    session, session_factory, make_user, subscribe, receiver, hook_settings
):
    transitions = subscribe("workflow.transition")
    everything = subscribe("*")
    reminders_only = subscribe("reminder.sent")
    paused = subscribe("*")
    service.update_subscription(session, paused.id, service.SubscriptionUpdate(active=False), actor=SET_UP)
    session.commit()
    before = session.scalar(select(func.max(TransitionEvent.id))) or 0

    formalising_partnership(session, cast(make_user))  # created, then moved on to formalising

    events = session.scalars(select(TransitionEvent.id).where(TransitionEvent.id > before)).all()
    assert len(events) >= 2
    for subscription in (transitions, everything):
        sent = _deliveries(session, subscription)
        assert sorted(d.payload["data"]["transition_event_id"] for d in sent) == sorted(events)
        assert {d.event_type for d in sent} == {"workflow.transition"}
    assert _deliveries(session, reminders_only) == [] and _deliveries(session, paused) == []
    last = _deliveries(session, transitions)[-1].payload
    assert last["type"] == "workflow.transition"
    assert last["data"]["workflow"] == "partnership" and last["data"]["trigger"] == "start_formalising"
    assert last["data"]["actor"]["type"] == "user" and last["data"]["links"]["api"].endswith(
        f"/api/v1/partnerships/{last['data']['entity_id']}"
    )

    _dispatch_all(session_factory, hook_settings, clock.now())

    assert len(receiver.received) == 2 * len(events) and all(item.verified for item in receiver.received)
    assert len({item.headers["webhook-id"] for item in receiver.received}) == 2 * len(events)
    for subscription in (transitions, everything):
        assert {d.status for d in _deliveries(session, subscription)} == {DeliveryStatus.DELIVERED}
        assert all(d.attempts == 1 and d.last_status_code == 204 for d in _deliveries(session, subscription))


def test_a_transition_rolled_back_leaves_no_message(session, make_user, subscribe):
    people = cast(make_user)
    partner = organisation(session)
    session.commit()
    subscription = subscribe("*")
    created = partnership(session, people.manager, partner)  # committed: its first state, as a state change
    engine.fire(session, "partnership", created, "go_dormant", Actor.person(people.manager))
    session.flush()
    assert [d.payload["data"]["trigger"] for d in _deliveries(session, subscription)] == ["create", "go_dormant"]
    session.rollback()
    assert [d.payload["data"]["trigger"] for d in _deliveries(session, subscription)] == ["create"]


def test_an_agreement_signed_is_one_signed_message_besides_its_transition(session, make_user, subscribe):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    signed = subscribe("agreement.signed")
    for trigger in ("submit_for_review", "approve", "record_signatures"):
        advance(session, agreement, trigger, people)
        session.commit()
    sent = _deliveries(session, signed)
    assert [d.event_type for d in sent] == ["agreement.signed"]
    data = sent[0].payload["data"]
    assert data["agreement_id"] == agreement.id and data["trigger"] == "record_signatures"


def test_an_obligation_overdue_is_one_overdue_message(session, make_user, subscribe):
    people = cast(make_user)
    agreement = draft_agreement(session, people)
    overdue = subscribe("obligation.overdue")
    obligation = session.scalars(select(Obligation).where(Obligation.agreement_id == agreement.id)).first()
    with clock.frozen_at(datetime.combine(obligation.due_date + timedelta(days=2), datetime.min.time(), UTC)):
        engine.fire(session, "obligation", obligation, "mark_overdue", Actor.system(reason="daily run"))
        session.commit()
    sent = _deliveries(session, overdue)
    assert [(d.event_type, d.payload["data"]["obligation_id"]) for d in sent] == [("obligation.overdue", obligation.id)]


def test_while_the_receiver_is_down_attempts_back_off_and_it_gets_the_message_once_when_it_is_back(
    session, session_factory, subscribe, receiver, hook_settings
):
    subscription = subscribe("webhook.test")
    with clock.frozen_at(NOW):
        service.send_test(session, subscription.id, actor=SET_UP)
        session.commit()
    receiver.stop()

    _dispatch_all(session_factory, hook_settings, NOW)
    (delivery,) = _deliveries(session, subscription)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code is None and "ConnectError" in (delivery.last_error or "")
    assert NOW + timedelta(seconds=45) <= delivery.next_attempt_at <= NOW + timedelta(seconds=75)  # 60 s ± 20 %
    _dispatch_all(session_factory, hook_settings, NOW + timedelta(seconds=30))  # not due yet: nothing tried
    assert _deliveries(session, subscription)[0].attempts == 1
    _dispatch_all(session_factory, hook_settings, NOW + timedelta(minutes=2))
    assert _deliveries(session, subscription)[0].attempts == 2

    receiver.start()  # back, on the same port
    _dispatch_all(session_factory, hook_settings, NOW + timedelta(hours=1))
    _dispatch_all(session_factory, hook_settings, NOW + timedelta(days=1))
    (delivery,) = _deliveries(session, subscription)
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 3
    assert len(receiver.received) == 1 and receiver.received[0].verified
    assert receiver.received[0].headers["webhook-id"] == delivery.message_id
    assert receiver.received[0].payload["type"] == "webhook.test"


def test_after_the_last_attempt_a_message_is_failed_and_a_replay_delivers_it_under_a_new_id(
    session, session_factory, subscribe, receiver, hook_settings
):
    subscription = subscribe("webhook.test")
    with clock.frozen_at(NOW):
        service.send_test(session, subscription.id, actor=SET_UP)
        session.commit()
    receiver.status = 500
    for hours in range(5):
        _dispatch_all(session_factory, hook_settings, NOW + timedelta(hours=hours))
    (delivery,) = _deliveries(session, subscription)
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 4 and delivery.last_status_code == 500
    assert len(receiver.received) == 4 and len({item.headers["webhook-id"] for item in receiver.received}) == 1

    receiver.status = 200
    with clock.frozen_at(NOW + timedelta(hours=6)):
        copy = service.replay(session, subscription.id, delivery.id, actor=SET_UP)
        session.commit()
    _dispatch_all(session_factory, hook_settings, NOW + timedelta(hours=6))
    original, replayed = _deliveries(session, subscription)
    assert original.status == DeliveryStatus.FAILED and replayed.id == copy.id
    assert replayed.status == DeliveryStatus.DELIVERED and replayed.replay_of_id == original.id
    assert replayed.body == original.body and replayed.message_id != original.message_id
    assert receiver.received[-1].headers["webhook-id"] == replayed.message_id


def test_a_redirect_is_not_followed_and_410_gone_turns_the_subscription_off(
    session, session_factory, subscribe, receiver, hook_settings
):
    subscription = subscribe("webhook.test")
    with clock.frozen_at(NOW):
        service.send_test(session, subscription.id, actor=SET_UP)
        session.commit()
    receiver.status = 307
    receiver.headers = {"Location": "http://169.254.169.254/latest/meta-data/"}
    _dispatch_all(session_factory, hook_settings, NOW)
    (delivery,) = _deliveries(session, subscription)
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code == 307
    assert len(receiver.received) == 1

    receiver.status, receiver.headers = 410, {}
    _dispatch_all(session_factory, hook_settings, NOW + timedelta(hours=1))
    (delivery,) = _deliveries(session, subscription)
    assert delivery.status == DeliveryStatus.FAILED and delivery.last_status_code == 410
    session.refresh(subscription)
    assert subscription.active is False


def test_a_reminder_sent_is_one_message(session, session_factory, make_user, subscribe, receiver, hook_settings):
    from tests.webhooks.reminder_support import send_one_reminder

    subscription = subscribe("reminder.sent")
    reminder_id = send_one_reminder(session, session_factory, make_user, hook_settings)
    sent = _deliveries(session, subscription)
    assert [(d.event_type, d.payload["data"]["reminder_id"]) for d in sent] == [("reminder.sent", reminder_id)]
    assert sent[0].payload["data"]["kind"] == "end_date"


class _StopAfterFirst:
    """A shutdown signal that is raised once the batch's first message has been sent."""

    def __init__(self) -> None:
        self.asked = 0

    def is_set(self) -> bool:
        self.asked += 1
        return self.asked > 1


def test_on_shutdown_the_message_in_flight_finishes_and_the_rest_of_the_batch_is_released_untouched(
    session, session_factory, subscribe, receiver, hook_settings
):
    subscription = subscribe("webhook.test")
    with clock.frozen_at(NOW):
        for _ in range(3):
            service.send_test(session, subscription.id, actor=SET_UP)
        session.commit()

    with clock.frozen_at(NOW):
        report = dispatch_webhooks(session_factory, hook_settings, stopping=_StopAfterFirst())

    assert (report.delivered, report.released) == (1, 2), report
    assert len(receiver.received) == 1
    first, *rest = _deliveries(session, subscription)
    assert first.status == DeliveryStatus.DELIVERED
    assert [(d.status, d.attempts, d.claimed_by) for d in rest] == [(DeliveryStatus.PENDING, 0, None)] * 2
    _dispatch_all(session_factory, hook_settings, NOW)  # the next worker sends them, once each
    assert len(receiver.received) == 3 and len({item.headers["webhook-id"] for item in receiver.received}) == 3
