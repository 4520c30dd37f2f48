//! Conversation tests: text in, replies and store state out, for every flow in both languages.
//! Assertions check store state and key facts in the replies, not exact wording.

mod common;

use common::Chat;
use kefu::dialogue::{EscalationReason, Expect, Outcome, Priority, UserInput};
use kefu::lang::Lang;
use kefu::store::seed::{EMILY_PHONE, ZHANG_WEI_PHONE};
use kefu::store::{OrderStatus, TicketKind};

fn status(chat: &Chat, number: &str) -> OrderStatus {
    chat.store()
        .order_by_number(number)
        .unwrap()
        .unwrap()
        .status
}

fn tickets(chat: &Chat, number: &str, kind: TicketKind) -> usize {
    let order = chat.store().order_by_number(number).unwrap().unwrap();
    chat.store()
        .tickets_for_order(order.id)
        .unwrap()
        .iter()
        .filter(|t| t.kind == kind)
        .count()
}

fn escalation(outcome: &Outcome) -> Option<(EscalationReason, Priority, &str)> {
    match outcome {
        Outcome::Escalate {
            reason,
            priority,
            summary,
        } => Some((*reason, *priority, summary.as_str())),
        _ => None,
    }
}

#[test]
fn greeting_is_personalised_for_known_callers() {
    let zh = Chat::start(Some("+86 138 0013 8000"), None);
    assert_eq!(zh.greeting.lang, Lang::Zh);
    assert!(zh.greeting.text.contains("张伟"), "{}", zh.greeting.text);
    let en = Chat::start(Some("+1 415 555 0100"), None);
    assert_eq!(en.greeting.lang, Lang::En);
    assert!(
        en.greeting.text.contains("Emily Carter"),
        "{}",
        en.greeting.text
    );
    let anon = Chat::start(None, Some(Lang::En));
    assert!(!anon.greeting.text.is_empty());
}

#[test]
fn order_status_en() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("where is my order 20241234");
    assert_eq!(r.lang, Lang::En);
    assert!(r.text.contains("SF Express"), "{}", r.text);
    assert!(
        r.text.contains("tomorrow") && r.text.contains("December 11th"),
        "{}",
        r.text
    );
    assert!(
        r.text.contains("two zero two four one two three four"),
        "{}",
        r.text
    );
    let r = chat.say("what about order 20245678");
    assert!(
        r.text.contains("warehouse") || r.text.contains("prepared"),
        "{}",
        r.text
    );
}

#[test]
fn order_status_zh() {
    let mut chat = Chat::start(None, None);
    let r = chat.say("我的订单20241234到哪了");
    assert_eq!(r.lang, Lang::Zh);
    assert!(r.text.contains("顺丰速运"), "{}", r.text);
    assert!(
        r.text.contains("明天") && r.text.contains("12月11日"),
        "{}",
        r.text
    );
    assert!(r.text.contains("二零二四一二三四"), "{}", r.text);
}

#[test]
fn delivery_eta_in_both_languages() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("when will order 20243333 arrive");
    assert!(r.text.contains("December 12th"), "{}", r.text);
    let mut zh = Chat::start(None, None);
    let r = zh.say("订单20243333什么时候能送到");
    assert!(r.text.contains("12月12日"), "{}", r.text);
}

#[test]
fn unknown_order_number_is_said_and_asked_again() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("where is my order 87654321");
    assert_eq!(r.expect, Expect::OrderNumber);
    assert!(
        r.text.contains("eight seven six five four three two one"),
        "{}",
        r.text
    );
    let r = en.say("sorry, it's 20241234");
    assert!(r.text.contains("SF Express"), "{}", r.text);

    let mut zh = Chat::start(None, None);
    let r = zh.say("帮我查一下订单87654321");
    assert_eq!(r.expect, Expect::OrderNumber);
    assert!(r.text.contains("八七六五四三二一"), "{}", r.text);
}

#[test]
fn order_numbers_misheard_with_to_for_two_are_read_as_said() {
    // What Whisper tiny wrote for callers reading out 20241234 and 20245678.
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("Where is my order to 0, 2, 4, 1, 2, 3, 4?");
    assert!(r.text.contains("SF Express"), "{}", r.text);

    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("I'd like to check my order status.");
    assert_eq!(r.expect, Expect::OrderNumber, "{}", r.text);
    let r = chat.say("It's too zero to four, one two three four.");
    assert!(r.text.contains("SF Express"), "{}", r.text);

    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("I want to cancel my order. It's too 0245678.");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(
        r.text.contains("two zero two four five six seven eight"),
        "{}",
        r.text
    );

    // No order has the homophone reading either: the number as heard is said back.
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("Where is my order to 8, 7, 6, 5, 4, 3, 2?");
    assert_eq!(r.expect, Expect::OrderNumber);
    assert!(
        r.text.contains("eight seven six five four three two"),
        "{}",
        r.text
    );
}

#[test]
fn known_caller_is_offered_their_only_open_order() {
    let mut chat = Chat::start(Some(EMILY_PHONE), None);
    let r = chat.say("where is my package");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(
        r.text.contains("two zero two four three three three three"),
        "{}",
        r.text
    );
    let r = chat.say("yes");
    assert!(r.text.contains("December 12th"), "{}", r.text);
}

#[test]
fn cancel_confirmed_en() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("I want to cancel order 20245678");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert_eq!(
        status(&chat, "20245678"),
        OrderStatus::Processing,
        "nothing happens before the yes"
    );
    let r = chat.say("yes please");
    assert_eq!(status(&chat, "20245678"), OrderStatus::Cancelled);
    assert!(r.text.contains("cancelled"), "{}", r.text);
}

#[test]
fn cancel_confirmed_zh() {
    let mut chat = Chat::start(Some(ZHANG_WEI_PHONE), None);
    let r = chat.say("我要取消订单");
    // 20245678 is 张伟's only order that can still be cancelled: offered first.
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(r.text.contains("二零二四五六七八"), "{}", r.text);
    let r = chat.say("对");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(r.text.contains("取消"), "{}", r.text);
    let r = chat.say("是的，取消吧");
    assert_eq!(
        status(&chat, "20245678"),
        OrderStatus::Cancelled,
        "{}",
        r.text
    );
    assert!(r.text.contains("已"), "{}", r.text);
}

#[test]
fn a_yes_in_front_of_the_repeated_request_confirms_it() {
    let mut chat = Chat::start(None, Some(Lang::En));
    chat.say("I want to cancel order 20245678");
    let r = chat.say("Yes, please cancel it.");
    assert_eq!(
        status(&chat, "20245678"),
        OrderStatus::Cancelled,
        "{}",
        r.text
    );
    assert!(
        r.text.starts_with("Done. Order") || r.text.starts_with("Order"),
        "{}",
        r.text
    );

    let mut zh = Chat::start(None, None);
    zh.say("取消订单20245678");
    zh.say("不，我不想取消订单了");
    assert_eq!(status(&zh, "20245678"), OrderStatus::Processing);
}

#[test]
fn cancel_declined_leaves_the_order_unchanged() {
    let mut en = Chat::start(None, Some(Lang::En));
    en.say("please cancel my order 20245678");
    let r = en.say("no, keep it");
    assert_eq!(status(&en, "20245678"), OrderStatus::Processing);
    assert_eq!(r.outcome, Outcome::Continue);

    let mut zh = Chat::start(None, None);
    zh.say("取消订单20245678");
    zh.say("不用了");
    assert_eq!(status(&zh, "20245678"), OrderStatus::Processing);
}

#[test]
fn shipped_orders_cannot_be_cancelled() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("cancel order 20241234");
    assert_ne!(r.expect, Expect::YesNo);
    assert!(
        r.text.contains("shipped") && r.text.contains("return"),
        "{}",
        r.text
    );
    assert_eq!(status(&en, "20241234"), OrderStatus::InTransit);
    let mut zh = Chat::start(None, None);
    let r = zh.say("我要取消订单20241234");
    assert!(r.text.contains("已经发货"), "{}", r.text);
    assert_eq!(status(&zh, "20241234"), OrderStatus::InTransit);
}

#[test]
fn change_of_mind_mid_confirmation_drops_the_action() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("cancel order 20245678");
    assert_eq!(r.expect, Expect::YesNo);
    let r = chat.say("actually, where is my other order 20241234?");
    assert!(r.text.contains("SF Express"), "{}", r.text);
    assert!(chat.conv.pending.is_none());
    chat.say("yes");
    assert_eq!(
        status(&chat, "20245678"),
        OrderStatus::Processing,
        "the dropped cancel must not run"
    );

    let mut zh = Chat::start(None, None);
    zh.say("取消订单20245678");
    let r = zh.say("等等，先帮我查一下订单20241234的物流");
    assert!(
        r.text.contains("二零二四一二三四") && r.text.contains("12月11日"),
        "{}",
        r.text
    );
    zh.say("好的");
    assert_eq!(status(&zh, "20245678"), OrderStatus::Processing);
}

#[test]
fn address_change_is_read_back_and_confirmed_en() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let mut r = chat.say("I need to change the delivery address for order 20245678");
    if r.expect == Expect::Choice {
        r = chat.say("the address");
    }
    assert_eq!(r.expect, Expect::Address, "{}", r.text);
    let r = chat.say("Room 1203, 18 Jianguo Road, Chaoyang, Beijing");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(r.text.contains("18 Jianguo Road"), "read-back: {}", r.text);
    chat.say("yes, that's right");
    let order = chat.store().order_by_number("20245678").unwrap().unwrap();
    assert!(
        order.address.contains("18 Jianguo Road"),
        "{}",
        order.address
    );
}

#[test]
fn address_change_is_read_back_and_confirmed_zh() {
    let mut chat = Chat::start(None, None);
    let mut r = chat.say("我想修改订单20245678的收货地址");
    if r.expect == Expect::Choice {
        r = chat.say("地址");
    }
    assert_eq!(r.expect, Expect::Address, "{}", r.text);
    let r = chat.say("北京市朝阳区建国路88号1203室");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(r.text.contains("建国路88号"), "{}", r.text);
    chat.say("对的");
    let order = chat.store().order_by_number("20245678").unwrap().unwrap();
    assert!(order.address.contains("建国路88号"), "{}", order.address);
}

#[test]
fn shipped_orders_cannot_be_changed() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let before = chat
        .store()
        .order_by_number("20241234")
        .unwrap()
        .unwrap()
        .address;
    let r = chat.say("can I change the address on order 20241234");
    assert!(r.text.contains("shipped"), "{}", r.text);
    assert_eq!(
        chat.store()
            .order_by_number("20241234")
            .unwrap()
            .unwrap()
            .address,
        before
    );
}

#[test]
fn dtmf_order_number_and_zero_for_a_person() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("I want to check my order status");
    assert_eq!(r.expect, Expect::OrderNumber, "{}", r.text);
    let r = chat.input(UserInput::Digits("20241234#".into()));
    assert!(r.text.contains("SF Express"), "{}", r.text);
    let r = chat.input(UserInput::Digits("0".into()));
    assert_eq!(
        escalation(&r.outcome).map(|e| e.0),
        Some(EscalationReason::Requested)
    );
}

#[test]
fn return_creates_a_ticket_en() {
    let mut chat = Chat::start(Some(EMILY_PHONE), None);
    let r = chat.say("I'd like to return the air fryer I bought");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(
        r.text.contains("two zero two four nine nine nine nine"),
        "offers the delivered order: {}",
        r.text
    );
    let r = chat.say("yes");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert_eq!(tickets(&chat, "20249999", TicketKind::Return), 0);
    let r = chat.say("yes, go ahead");
    assert_eq!(
        tickets(&chat, "20249999", TicketKind::Return),
        1,
        "{}",
        r.text
    );
    assert!(r.text.contains("ticket"), "{}", r.text);
}

#[test]
fn return_creates_a_ticket_zh() {
    let mut chat = Chat::start(None, None);
    let r = chat.say("我要退货，订单号20249999");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    let r = chat.say("好的");
    assert_eq!(
        tickets(&chat, "20249999", TicketKind::Return),
        1,
        "{}",
        r.text
    );
    assert!(r.text.contains("工单号"), "{}", r.text);
}

#[test]
fn returns_and_exchanges_respect_their_windows() {
    // 20246666 was delivered 20 days before "now": past both the 7-day return and the 15-day exchange window.
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("I want to return order 20246666");
    assert!(
        r.text.contains("7 days") || r.text.contains("7"),
        "{}",
        r.text
    );
    assert_eq!(tickets(&en, "20246666", TicketKind::Return), 0);
    let mut zh = Chat::start(None, None);
    let r = zh.say("订单20246666的鞋子尺码不对，我想换货");
    assert!(r.text.contains("十五天"), "{}", r.text);
    assert_eq!(tickets(&zh, "20246666", TicketKind::Exchange), 0);
}

#[test]
fn exchange_within_the_window() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("can I exchange the item from order 20249999 for a different one");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    chat.say("yes");
    assert_eq!(tickets(&chat, "20249999", TicketKind::Exchange), 1);
}

#[test]
fn refund_status_in_both_languages() {
    let mut en = Chat::start(Some(EMILY_PHONE), None);
    let mut r = en.say("has my refund been processed yet?");
    if r.expect == Expect::YesNo {
        r = en.say("yes");
    }
    assert!(r.text.contains("being processed"), "{}", r.text);
    let mut zh = Chat::start(None, None);
    let r = zh.say("订单20247777的退款到账了吗");
    assert!(r.text.contains("处理中"), "{}", r.text);
}

#[test]
fn refund_before_shipping_offers_cancellation() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let r = chat.say("I want a refund for order 20245678");
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    chat.say("yes");
    assert_eq!(status(&chat, "20245678"), OrderStatus::Cancelled);
}

#[test]
fn repair_books_an_appointment_zh() {
    let mut chat = Chat::start(Some(ZHANG_WEI_PHONE), None);
    let mut r = chat.say("我的笔记本电脑坏了，屏幕不亮了，想报修，订单号20240815");
    if r.expect == Expect::Open {
        r = chat.say("屏幕不亮");
    }
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(r.text.contains("保修期内"), "{}", r.text);
    let r = chat.say("好的");
    let order = chat.store().order_by_number("20240815").unwrap().unwrap();
    let repair = chat.store().tickets_for_order(order.id).unwrap();
    let repair = repair
        .iter()
        .find(|t| t.kind == TicketKind::Repair)
        .expect("repair ticket");
    // Seed day is a Tuesday: the first slot is Thursday 10:00.
    assert_eq!(
        repair.appointment.unwrap().to_string(),
        "2024-12-12 10:00:00"
    );
    assert!(r.text.contains("工单号"), "{}", r.text);
}

#[test]
fn repair_books_an_appointment_en() {
    let mut chat = Chat::start(None, Some(Lang::En));
    let mut r = chat.say("my laptop from order 20240815 is broken, the screen keeps flickering");
    if r.expect == Expect::Open {
        r = chat.say("the screen flickers");
    }
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(r.text.contains("warranty"), "{}", r.text);
    chat.say("yes please");
    assert_eq!(tickets(&chat, "20240815", TicketKind::Repair), 1);
}

#[test]
fn complaint_creates_a_ticket_with_a_calming_reply() {
    let mut en = Chat::start(Some(ZHANG_WEI_PHONE), Some(Lang::En));
    let r = en.say("I want to file a complaint about the courier on order 20241234, he left the parcel outside");
    assert_eq!(
        tickets(&en, "20241234", TicketKind::Complaint),
        1,
        "{}",
        r.text
    );
    assert!(r.text.to_lowercase().contains("sorry"), "{}", r.text);
    let mut zh = Chat::start(None, None);
    let r = zh.say("我要投诉，订单20241234的快递员态度很差");
    assert_eq!(
        tickets(&zh, "20241234", TicketKind::Complaint),
        1,
        "{}",
        r.text
    );
    assert!(r.text.contains("抱歉"), "{}", r.text);
}

#[test]
fn vip_complaint_goes_to_a_person() {
    let mut chat = Chat::start(Some(EMILY_PHONE), None);
    let r = chat.say("I want to make a complaint about the delivery of order 20243333");
    let (reason, priority, summary) = escalation(&r.outcome).expect("escalated");
    assert_eq!(reason, EscalationReason::Vip);
    assert!(priority >= Priority::High);
    assert!(
        summary.contains("Emily Carter") && summary.contains("20243333"),
        "{summary}"
    );
}

#[test]
fn angry_caller_is_escalated_with_a_summary() {
    let mut en = Chat::start(Some(ZHANG_WEI_PHONE), Some(Lang::En));
    en.say("where is my order 20241234");
    let r = en.say(
        "This is absolutely terrible! Worst service ever, I am furious, you people are useless!",
    );
    let (reason, _, summary) = escalation(&r.outcome).expect("escalated");
    assert_eq!(reason, EscalationReason::NegativeSentiment);
    assert!(
        summary.contains("20241234")
            && summary.contains("Sentiment")
            && summary.contains("order_status"),
        "{summary}"
    );
    assert!(en.conv.finished);

    let mut zh = Chat::start(None, None);
    let r = zh.say("你们太差劲了！气死我了，什么垃圾服务，骗子！");
    assert_eq!(
        escalation(&r.outcome).map(|e| e.0),
        Some(EscalationReason::NegativeSentiment),
        "{}",
        r.text
    );
}

#[test]
fn out_of_scope_twice_escalates() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("what's the weather like on Mars tomorrow?");
    assert_eq!(r.outcome, Outcome::Continue);
    let r = en.say("can you write me a poem about dragons?");
    assert_eq!(
        escalation(&r.outcome).map(|e| e.0),
        Some(EscalationReason::RepeatedMisunderstanding),
        "{}",
        r.text
    );

    let mut zh = Chat::start(None, None);
    zh.say("今天股票会涨吗");
    let r = zh.say("给我讲个笑话吧");
    assert_eq!(
        escalation(&r.outcome).map(|e| e.0),
        Some(EscalationReason::RepeatedMisunderstanding),
        "{}",
        r.text
    );
}

#[test]
fn asking_for_a_person_escalates() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("I want to speak to a human agent");
    assert_eq!(
        escalation(&r.outcome).map(|e| e.0),
        Some(EscalationReason::Requested)
    );
    let mut zh = Chat::start(None, None);
    let r = zh.say("转人工");
    assert_eq!(
        escalation(&r.outcome).map(|e| e.0),
        Some(EscalationReason::Requested),
        "{}",
        r.text
    );
}

#[test]
fn product_inquiry_in_both_languages() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("how much is the Huawei Mate 60 Pro?");
    assert!(
        r.text.contains("yuan") && r.text.contains("Mate 60 Pro"),
        "{}",
        r.text
    );
    let mut zh = Chat::start(None, None);
    let r = zh.say("华为Mate 60 Pro多少钱？有货吗");
    assert!(
        r.text.contains("元") && r.text.contains("Mate 60 Pro"),
        "{}",
        r.text
    );
}

#[test]
fn recommendation_uses_category_budget_and_history() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("can you recommend some earbuds under 500 yuan?");
    let earbuds: Vec<_> = en
        .store()
        .products()
        .unwrap()
        .into_iter()
        .filter(|p| p.category == "earbuds" && p.price_cents <= 50_000)
        .collect();
    assert!(
        earbuds.iter().any(|p| r.text.contains(&p.name_en)),
        "{}",
        r.text
    );
    let mut zh = Chat::start(Some(ZHANG_WEI_PHONE), None);
    let r = zh.say("给我推荐一款手机");
    assert!(r.text.contains("元"), "{}", r.text);
    assert!(
        !r.text.contains("Mate 60 Pro 128GB"),
        "not the phone already bought: {}",
        r.text
    );
}

#[test]
fn promotions_and_points() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("are there any promotions or coupons right now?");
    assert!(r.text.contains("code"), "{}", r.text);
    assert!(
        !r.text.contains("DOUBLE11"),
        "expired promotions are not offered: {}",
        r.text
    );
    let r = en.say("how many points do I have");
    assert_eq!(r.expect, Expect::Phone, "{}", r.text);
    let r = en.say("my number is 415 555 0100");
    assert!(
        r.text.contains("15200") && r.text.contains("152 yuan"),
        "{}",
        r.text
    );

    let mut zh = Chat::start(Some(ZHANG_WEI_PHONE), None);
    let r = zh.say("我还有多少积分");
    assert!(r.text.contains("两千六百八十"), "{}", r.text);
    let r = zh.say("最近有什么优惠活动吗");
    assert!(r.text.contains("优惠码"), "{}", r.text);
}

#[test]
fn faq_answers_from_the_knowledge_base() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("how much does shipping cost?");
    assert!(r.text.contains("99"), "{}", r.text);
    let r = en.say("how do I get an invoice for my order?");
    assert!(r.text.to_lowercase().contains("invoice"), "{}", r.text);
    let mut zh = Chat::start(None, None);
    let r = zh.say("你们包邮吗");
    assert!(r.text.contains("99"), "{}", r.text);
    let r = zh.say("可以开发票吗");
    assert!(r.text.contains("发票"), "{}", r.text);
}

#[test]
fn goodbye_ends_and_silence_times_out() {
    let mut en = Chat::start(None, Some(Lang::En));
    let r = en.say("thanks, bye");
    assert!(
        matches!(r.outcome, Outcome::End | Outcome::Continue),
        "{:?}",
        r.outcome
    );
    let mut silent = Chat::start(None, Some(Lang::En));
    assert_eq!(silent.input(UserInput::NoInput).outcome, Outcome::Continue);
    assert_eq!(silent.input(UserInput::NoInput).outcome, Outcome::Continue);
    assert_eq!(silent.input(UserInput::NoInput).outcome, Outcome::End);
    let mut zh = Chat::start(None, None);
    assert_eq!(zh.say("好的，再见").outcome, Outcome::End);
}

#[test]
fn language_follows_the_caller() {
    let mut chat = Chat::start(None, Some(Lang::Zh));
    let r = chat.say("hello, where is my order 20241234?");
    assert_eq!(r.lang, Lang::En);
    let r = chat.say("ok");
    assert_eq!(r.lang, Lang::En, "a one-word reply does not switch back");
    let r = chat.say("我想查一下订单20243333");
    assert_eq!(r.lang, Lang::Zh);
}

#[test]
fn every_turn_is_logged() {
    let mut chat = Chat::start(None, Some(Lang::En));
    chat.say("where is my order 20241234");
    chat.say("I want to talk to a person");
    let turns = chat.store().turns(&chat.conv.id).unwrap();
    assert_eq!(turns.len(), 3, "greeting + two caller turns");
    assert_eq!(turns[0].speaker, "bot");
    assert_eq!(turns[1].intent.as_deref(), Some("order_status"));
    assert!(
        turns[1].entities.contains("20241234"),
        "{}",
        turns[1].entities
    );
    assert!(turns[1].confidence.unwrap() > 0.0);
    assert_eq!(turns[2].outcome, "escalate:requested");
    assert!(!turns[2].reply.is_empty());
}

#[test]
fn late_parcels_are_reported_as_late() {
    // A day after the seed day's ETA for 20241234 (December 11th) has passed.
    let store = kefu::store::Store::open_in_memory().unwrap();
    kefu::store::seed::seed(&store, kefu::store::seed::DEFAULT_SEED_DAY, false).unwrap();
    let late = std::sync::Arc::new(
        kefu::dialogue::DialogueEngine::new(store, common::trained_nlu(), common::kb())
            .unwrap()
            .with_clock(std::sync::Arc::new(|| {
                common::now() + chrono::Duration::days(3)
            })),
    );
    let (mut conv, _) = late
        .start(kefu::dialogue::Channel::Chat, None, Some(Lang::En))
        .unwrap();
    let r = late
        .handle(
            &mut conv,
            UserInput::Text("where is my order 20241234".into()),
        )
        .unwrap();
    assert!(
        r.text.contains("running late") && r.text.contains("SF Express"),
        "{}",
        r.text
    );
}

#[test]
fn phone_change_by_keypad_zh() {
    let mut chat = Chat::start(None, None);
    let mut r = chat.say("订单20245678的联系电话要改一下");
    if r.expect == Expect::Choice {
        r = chat.say("电话");
    }
    assert_eq!(r.expect, Expect::Phone, "{}", r.text);
    let r = chat.input(UserInput::Digits("13912345678#".into()));
    assert_eq!(r.expect, Expect::YesNo, "{}", r.text);
    assert!(
        r.text.contains("一三九，一二三四，五六七八"),
        "read back digit by digit: {}",
        r.text
    );
    chat.say("没错");
    let order = chat.store().order_by_number("20245678").unwrap().unwrap();
    assert_eq!(order.phone, "+8613912345678");
}

#[test]
fn only_orders_the_shop_holds_are_named_known() {
    let engine = common::engine();
    for (text, known) in [
        ("It's 20241234.", true),
        ("2 0 2 4 1 2 3 4", true),
        // "two" heard as "too": read as said, 20241234.
        ("It's too 024, 1 2 3 4", true),
        ("two zero two four five six seven eight", true),
        ("二零二四一二三四", true),
        // Digits Whisper made up in a pause mid-number, half a number, a phone number, no number.
        ("2 0 2 4 1 2 1 2", false),
        ("2024", false),
        ("my number is 13812345678", false),
        ("where is my parcel", false),
    ] {
        assert_eq!(engine.names_known_order(text), known, "{text:?}");
    }
}
