//! What kefu says: zh/en reply templates with a few variants each, filled with speakable values.
//!
//! A variant is chosen from a hash of the conversation's seed, the turn number and the message, so the same
//! conversation replayed gives the same words while different callers hear some variety.

use crate::lang::Lang;

/// Every kind of sentence the policy can say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Msg {
    GreetAnonymous,
    /// {name}
    GreetKnown,
    HowCanIHelp,
    AnythingElse,
    Goodbye,
    YoureWelcome,
    NoInput,
    NoInputGoodbye,
    NotUnderstood,
    OutOfScope,
    Empathy,
    AskOrderNumber,
    /// {order}
    OrderNotFound,
    /// {order} {item}
    OfferOrder,
    /// {order}
    StatusPendingPayment,
    /// {order}
    StatusPreparing,
    /// {order} {courier} {event} {eta}
    StatusOnTheWay,
    /// {order} {courier} {event} {eta}
    StatusLate,
    /// {order} {courier}
    StatusOutForDelivery,
    /// {order} {date}
    StatusDelivered,
    /// {order}
    StatusCancelled,
    /// {order}
    StatusReturned,
    /// {order}
    StatusRefunded,
    /// {order} {eta}
    EtaOnTheWay,
    /// {order} {eta}
    EtaLate,
    /// {order} {item}
    ConfirmCancel,
    /// {order} {amount}
    Cancelled,
    /// {order}
    CancelKept,
    /// {order}
    AlreadyCancelled,
    /// {order}
    CancelTooLate,
    /// {order}
    AskChangeField,
    AskNewAddress,
    AskNewPhone,
    AskNewDeliveryTime,
    /// {order} {field} {value}
    ConfirmChange,
    /// {order} {field}
    Changed,
    /// {order}
    ChangeKept,
    /// {order}
    ChangeTooLate,
    /// {order} {item} {what}
    ConfirmAfterSale,
    /// {what} {ticket}
    AfterSaleCreated,
    /// {order} {what} {days}
    AfterSaleExpired,
    /// {order}
    NotDeliveredYet,
    /// {order}
    RefundBeforeShipping,
    /// {order} {state}
    RefundStatus,
    NoRefundFound,
    /// {order} {ticket} {state}
    TicketAlreadyOpen,
    /// {item}
    AskRepairProblem,
    /// {item} {date} {time}
    ConfirmRepair,
    /// {item} {months}
    OutOfWarranty,
    /// {item}
    NoWarranty,
    /// {ticket} {date} {time}
    RepairBooked,
    /// {ticket}
    ComplaintLogged,
    /// {ticket}
    FeedbackLogged,
    AskProduct,
    /// {name} {price} {stock} {warranty}
    ProductInfo,
    /// {colours}
    ProductColours,
    /// {specs}
    ProductSpecs,
    AskCategory,
    /// {list}
    Recommend,
    /// {category}
    NoRecommendation,
    /// {list}
    Promotions,
    NoPromotions,
    AskPhone,
    /// {phone}
    PhoneNotFound,
    /// {name} {points} {value}
    PointsBalance,
    FaqUnsure,
    EscalateRequested,
    EscalateUpset,
    EscalateMisunderstood,
    EscalateVip,
    EscalateNeedsHuman,
    /// {order}
    ParkedAction,
    /// An engine failed before the greeting: the call cannot go on.
    ServiceDown,
    /// An engine failed on a caller's turn.
    TurnFailed,
}

/// (en variants, zh variants) of a message.
fn templates(msg: Msg) -> (&'static [&'static str], &'static [&'static str]) {
    use Msg::*;
    match msg {
        GreetAnonymous => (
            &[
                "Hello, this is the shop's customer service. How can I help you today?",
                "Hi, thanks for calling customer service. What can I do for you?",
            ],
            &[
                "您好，这里是商城客服，请问有什么可以帮您？",
                "您好，欢迎致电商城客服，请问您需要什么帮助？",
            ],
        ),
        GreetKnown => (
            &[
                "Hello {name}, welcome back. How can I help you today?",
                "Hi {name}, good to hear from you. What can I do for you?",
            ],
            &[
                "{name}您好，欢迎回来，请问有什么可以帮您？",
                "您好{name}，请问今天有什么可以帮您？",
            ],
        ),
        HowCanIHelp => (
            &["How can I help you?", "What can I do for you?"],
            &["请问有什么可以帮您？", "请问您需要什么帮助？"],
        ),
        AnythingElse => (
            &[
                "Is there anything else I can help with?",
                "Anything else I can do for you?",
            ],
            &["请问还有其他可以帮您的吗？", "还有什么需要帮忙的吗？"],
        ),
        Goodbye => (
            &[
                "Thank you for calling. Goodbye!",
                "Thanks for contacting us. Have a nice day, goodbye!",
            ],
            &["感谢您的来电，再见！", "感谢您的咨询，祝您生活愉快，再见！"],
        ),
        YoureWelcome => (
            &[
                "You're welcome. Anything else I can help with?",
                "My pleasure. Is there anything else?",
            ],
            &[
                "不客气，还有其他可以帮您的吗？",
                "不用谢，请问还有别的需要吗？",
            ],
        ),
        NoInput => (
            &[
                "Sorry, I didn't hear anything. Are you still there?",
                "Hello? I'm still here if you need anything.",
            ],
            &[
                "抱歉，没有听到您的声音，请问您还在吗？",
                "您好，请问还在线吗？",
            ],
        ),
        NoInputGoodbye => (
            &["I haven't heard from you, so I'll end the call now. Goodbye."],
            &["长时间没有听到您的声音，本次通话将结束，再见。"],
        ),
        NotUnderstood => (
            &[
                "Sorry, I didn't quite get that. Could you say it another way?",
                "I'm sorry, could you rephrase that?",
            ],
            &[
                "抱歉，我没有听明白，能换个说法吗？",
                "不好意思，没太听懂，您能再说一遍吗？",
            ],
        ),
        OutOfScope => (
            &[
                "Sorry, I can't help with that. I can check orders and deliveries, cancel or change orders, handle returns, repairs and complaints, and answer questions about products, promotions and points.",
                "That's outside what I can do. I can help with orders, deliveries, returns, repairs, products, promotions and points.",
            ],
            &[
                "抱歉，这个问题我无法处理。我可以帮您查询订单和物流、取消或修改订单、办理退换货和维修、受理投诉，以及解答商品、优惠和积分的问题。",
                "不好意思，这超出了我的服务范围。我可以帮您处理订单、物流、退换货、维修、商品咨询、优惠活动和积分等问题。",
            ],
        ),
        Empathy => (
            &[
                "I'm really sorry about this.",
                "I understand how frustrating this is, and I'm sorry.",
            ],
            &["非常抱歉给您带来不便。", "理解您的心情，真的很抱歉。"],
        ),
        AskOrderNumber => (
            &[
                "Could you tell me your eight-digit order number?",
                "What is your order number, please? It has eight digits.",
            ],
            &["请告诉我您的八位订单号。", "麻烦您提供一下八位数的订单号。"],
        ),
        OrderNotFound => (
            &[
                "I couldn't find {order}. Could you check the number and say it again?",
                "There's no {order} in our system. Could you repeat the order number?",
            ],
            &[
                "没有查到{order}，请您核对后再说一遍。",
                "系统里没有找到{order}，麻烦您再确认一下订单号。",
            ],
        ),
        OfferOrder => (
            &[
                "Is this about your {order}, the {item}?",
                "Are you calling about {order} for the {item}?",
            ],
            &[
                "请问是{order}，{item}这一单吗？",
                "您说的是{order}的{item}吗？",
            ],
        ),
        StatusPendingPayment => (
            &["{order} is waiting for payment. Once it's paid, we ship within 48 hours."],
            &["{order}还在等待付款，付款后我们会在48小时内发货。"],
        ),
        StatusPreparing => (
            &[
                "{order} is paid and being prepared in the warehouse. It hasn't shipped yet.",
                "{order} is being packed at the warehouse and will ship soon.",
            ],
            &[
                "{order}已付款，仓库正在备货，还没有发出。",
                "{order}正在仓库打包，很快就会发货。",
            ],
        ),
        StatusOnTheWay => (
            &[
                "{order} is on its way with {courier}. Latest update: {event}. It should arrive {eta}.",
                "{order} has shipped with {courier}. The latest scan says: {event}. Expected delivery is {eta}.",
            ],
            &[
                "{order}已由{courier}配送，最新物流：{event}，预计{eta}送达。",
                "{order}已经发货，承运快递是{courier}，最新进展：{event}，预计{eta}到。",
            ],
        ),
        StatusLate => (
            &[
                "{order} is with {courier}; latest update: {event}. It was due {eta} and is running late, I'm sorry. It should arrive within one or two days.",
            ],
            &[
                "{order}由{courier}配送，最新物流：{event}。原定{eta}送达，目前有些延误，非常抱歉，预计一到两天内送到。",
            ],
        ),
        StatusOutForDelivery => (
            &[
                "Good news: {order} is out for delivery with {courier} today.",
                "{order} is with the {courier} courier and will be delivered today.",
            ],
            &[
                "好消息，{order}今天正在由{courier}派送中。",
                "{order}的快递员正在派送，今天就能送到，承运快递是{courier}。",
            ],
        ),
        StatusDelivered => (
            &[
                "{order} was delivered on {date}.",
                "Our records show {order} was delivered on {date}.",
            ],
            &[
                "{order}已于{date}签收。",
                "系统显示{order}在{date}已经签收了。",
            ],
        ),
        StatusCancelled => (&["{order} has been cancelled."], &["{order}已经取消了。"]),
        StatusReturned => (
            &["{order} has been returned to us; the refund is being processed."],
            &["{order}已退货，退款正在处理中。"],
        ),
        StatusRefunded => (
            &["{order} has been refunded to your original payment method."],
            &["{order}已经退款到您的原支付账户。"],
        ),
        EtaOnTheWay => (
            &[
                "{order} should arrive {eta}.",
                "The expected delivery date for {order} is {eta}.",
            ],
            &["{order}预计{eta}送达。", "{order}预计送达时间是{eta}。"],
        ),
        EtaLate => (
            &[
                "{order} was due {eta} and is running late. I'm sorry; the courier should deliver within one or two days.",
            ],
            &["{order}原定{eta}送达，目前有些延误，非常抱歉，预计一到两天内送到。"],
        ),
        ConfirmCancel => (
            &[
                "You want to cancel {order}, the {item}. Shall I go ahead?",
                "Just to confirm: cancel {order} for the {item}?",
            ],
            &[
                "您要取消{order}，{item}，确定取消吗？",
                "跟您确认一下，取消{order}的{item}，对吗？",
            ],
        ),
        Cancelled => (
            &[
                "Done. {order} is cancelled, and {amount} will be refunded within 1 to 3 working days.",
                "{order} has been cancelled. The refund of {amount} reaches you in 1 to 3 working days.",
            ],
            &[
                "已为您取消{order}，{amount}将在一到三个工作日内原路退回。",
                "{order}已取消，退款{amount}会在一到三个工作日内到账。",
            ],
        ),
        CancelKept => (
            &[
                "OK, I won't cancel {order}.",
                "Alright, {order} stays as it is.",
            ],
            &["好的，{order}不取消了。", "好的，{order}为您保留。"],
        ),
        AlreadyCancelled => (
            &["{order} is already cancelled."],
            &["{order}已经是取消状态了。"],
        ),
        CancelTooLate => (
            &[
                "{order} has already shipped, so it can't be cancelled now. You can refuse the delivery, or return it within 7 days after it arrives.",
            ],
            &["{order}已经发货，无法取消了。您可以拒收，或者签收后7天内申请退货。"],
        ),
        AskChangeField => (
            &[
                "What would you like to change on {order}: the address, the phone number or the delivery time?",
            ],
            &["请问{order}您想修改什么：收货地址、电话还是送货时间？"],
        ),
        AskNewAddress => (
            &[
                "What is the new delivery address?",
                "Please tell me the new address.",
            ],
            &["请告诉我新的收货地址。", "新的收货地址是哪里？"],
        ),
        AskNewPhone => (
            &["What is the new phone number?"],
            &["请告诉我新的联系电话。"],
        ),
        AskNewDeliveryTime => (
            &["When would you like it delivered?"],
            &["您希望什么时间送货？"],
        ),
        ConfirmChange => (
            &["Let me read that back: the new {field} for {order} is {value}. Is that correct?"],
            &["跟您确认一下，{order}新的{field}是{value}，对吗？"],
        ),
        Changed => (
            &[
                "Done, the {field} of {order} has been updated.",
                "I've updated the {field} for {order}.",
            ],
            &[
                "好的，{order}的{field}已经修改成功。",
                "已为您更新{order}的{field}。",
            ],
        ),
        ChangeKept => (
            &["OK, I've left {order} unchanged."],
            &["好的，{order}保持不变。"],
        ),
        ChangeTooLate => (
            &[
                "{order} has already shipped, so I can't change it any more. The courier can help once it's close: you'll get their call before delivery.",
            ],
            &["{order}已经发货，无法再修改了。快递员派送前会联系您，届时可以和快递员沟通。"],
        ),
        ConfirmAfterSale => (
            &["I can open a {what} request for {order}, the {item}. Shall I go ahead?"],
            &["可以为{order}的{item}申请{what}，现在为您提交吗？"],
        ),
        AfterSaleCreated => (
            &[
                "Your {what} request is open, ticket number {ticket}. A courier will pick the item up within two days.",
                "I've created {what} ticket number {ticket}. We'll arrange the pickup within two days.",
            ],
            &[
                "{what}申请已提交，工单号{ticket}，两天内会有快递上门取件。",
                "已为您创建{what}工单，工单号{ticket}，我们会在两天内安排上门取件。",
            ],
        ),
        AfterSaleExpired => (
            &[
                "I'm sorry, {order} was delivered more than {days} days ago, so it's past the {what} period.",
            ],
            &["很抱歉，{order}签收已超过{days}天，超出了{what}期限。"],
        ),
        NotDeliveredYet => (
            &[
                "{order} hasn't been delivered yet. Once it arrives you can return or exchange it within the policy period.",
            ],
            &["{order}还没有签收，签收后可以在规定期限内申请退换货。"],
        ),
        RefundBeforeShipping => (
            &[
                "{order} hasn't shipped yet, so the quickest way to get your money back is to cancel it.",
            ],
            &["{order}还没有发货，最快的退款方式是直接取消订单。"],
        ),
        RefundStatus => (
            &[
                "The refund for {order} is {state}.",
                "Your refund for {order}: {state}.",
            ],
            &["{order}的退款{state}。", "您的{order}退款目前{state}。"],
        ),
        NoRefundFound => (
            &["I can't find a refund request on that order."],
            &["没有查到这个订单的退款申请。"],
        ),
        TicketAlreadyOpen => (
            &[
                "There's already an open request for {order}, ticket number {ticket}; it is {state}.",
            ],
            &["{order}已经有一个处理中的申请，工单号{ticket}，目前{state}。"],
        ),
        AskRepairProblem => (
            &[
                "What's wrong with the {item}?",
                "Could you describe the problem with the {item}?",
            ],
            &["请问{item}出了什么问题？", "麻烦描述一下{item}的故障情况。"],
        ),
        ConfirmRepair => (
            &[
                "The {item} is under warranty. The earliest repair appointment is {date} at {time}. Shall I book it?",
            ],
            &["{item}在保修期内，最早可以预约{date}{time}上门检修，帮您预约吗？"],
        ),
        OutOfWarranty => (
            &[
                "The {item} is past its {months}-month warranty, so the repair would be charged. I'll pass you to a colleague for a quote.",
            ],
            &["{item}已超过{months}个月的保修期，维修需要收费，我为您转接同事报价。"],
        ),
        NoWarranty => (
            &[
                "The {item} has no repair service. If there's a quality problem, a colleague will help you.",
            ],
            &["{item}不提供维修服务，如有质量问题，我为您转接同事处理。"],
        ),
        RepairBooked => (
            &["Your repair is booked for {date} at {time}, ticket number {ticket}."],
            &["已为您预约{date}{time}的维修，工单号{ticket}。"],
        ),
        ComplaintLogged => (
            &[
                "I've recorded your complaint, ticket number {ticket}. A supervisor will follow up within 24 hours.",
                "Your complaint is logged as ticket {ticket}, and we'll get back to you within 24 hours.",
            ],
            &[
                "您的投诉已记录，工单号{ticket}，主管会在24小时内跟进处理。",
                "已为您登记投诉，工单号{ticket}，我们会在24小时内给您答复。",
            ],
        ),
        FeedbackLogged => (
            &["Thank you for your feedback, I've passed it on. Reference number {ticket}."],
            &["感谢您的宝贵意见，已经为您记录，编号{ticket}。"],
        ),
        AskProduct => (
            &["Which product are you asking about?"],
            &["请问您想了解哪款商品？"],
        ),
        ProductInfo => (
            &[
                "The {name} costs {price}; {stock}. Warranty: {warranty}.",
                "{name}: {price}, {stock}, with {warranty} warranty.",
            ],
            &[
                "{name}售价{price}，{stock}，保修{warranty}。",
                "{name}的价格是{price}，{stock}，保修期{warranty}。",
            ],
        ),
        ProductColours => (&["It comes in {colours}."], &["有{colours}可选。"]),
        ProductSpecs => (&["Key specs: {specs}."], &["主要参数：{specs}。"]),
        AskCategory => (
            &["What kind of product are you looking for, and what's your budget?"],
            &["请问您想买什么类型的商品，预算大概多少？"],
        ),
        Recommend => (
            &["I'd suggest {list}.", "You might like {list}."],
            &["推荐您看看{list}。", "可以考虑{list}。"],
        ),
        NoRecommendation => (
            &["I couldn't find {category} in stock within that budget."],
            &["没有找到符合预算且有货的{category}。"],
        ),
        Promotions => (
            &["Current offers: {list}.", "Right now we have: {list}."],
            &["目前的优惠有：{list}。", "现在正在进行的活动：{list}。"],
        ),
        NoPromotions => (
            &["There are no promotions running right now."],
            &["目前没有进行中的优惠活动。"],
        ),
        AskPhone => (
            &["Could you tell me the phone number on your account?"],
            &["请告诉我您账户绑定的手机号。"],
        ),
        PhoneNotFound => (
            &["I couldn't find an account for {phone}."],
            &["没有找到手机号{phone}对应的账户。"],
        ),
        PointsBalance => (
            &[
                "{name}, you have {points} points, worth {value}. 100 points are worth 1 yuan at checkout.",
            ],
            &["{name}，您目前有{points}积分，可抵扣{value}，每100积分抵1元。"],
        ),
        FaqUnsure => (
            &["I'm not sure about that one. Would you like me to put you through to a colleague?"],
            &["这个问题我不太确定，需要为您转接人工客服吗？"],
        ),
        EscalateRequested => (
            &[
                "Sure, I'll put you through to a colleague now. Please hold.",
                "Of course, transferring you to a person now.",
            ],
            &[
                "好的，正在为您转接人工客服，请稍候。",
                "没问题，马上为您转人工，请稍等。",
            ],
        ),
        EscalateUpset => (
            &["I'm very sorry. Let me get a senior colleague to help you right away."],
            &["非常抱歉给您带来这么不好的体验，我马上为您转接资深客服处理。"],
        ),
        EscalateMisunderstood => (
            &["Sorry, I'm having trouble understanding. Let me put you through to a colleague."],
            &["抱歉，我没能理解您的问题，为您转接人工客服。"],
        ),
        EscalateVip => (
            &["As a valued member, I'll connect you with your dedicated service team now."],
            &["您是我们的尊贵会员，马上为您转接专属客服。"],
        ),
        EscalateNeedsHuman => (
            &["A colleague needs to handle this. I'm transferring you now."],
            &["这个问题需要人工处理，正在为您转接。"],
        ),
        ParkedAction => (&["I've left {order} as it was."], &["{order}先保持原样。"]),
        ServiceDown => (
            &[
                "Sorry, our service is having a technical problem right now. Please call again in a few minutes. Goodbye.",
            ],
            &["抱歉，系统暂时出现故障，请几分钟后再来电。再见。"],
        ),
        TurnFailed => (
            &["Sorry, something went wrong on our side. Could you say that again?"],
            &["抱歉，系统刚才出了点问题，请您再说一遍好吗？"],
        ),
    }
}

/// Renders a message in a language, filling `{key}` placeholders; `seed` picks the variant.
pub fn render(msg: Msg, lang: Lang, vars: &[(&str, &str)], seed: u64) -> String {
    let (en, zh) = templates(msg);
    let variants = match lang {
        Lang::En => en,
        Lang::Zh => zh,
    };
    let template = variants[(mix(seed, msg) % variants.len() as u64) as usize];
    let mut out = template.to_string();
    for (key, value) in vars {
        let placeholder = format!("{{{key}}}");
        let mut from = 0;
        while let Some(found) = out[from..].find(&placeholder) {
            let at = from + found;
            // A value that opens a sentence ("Done. {order} is cancelled") starts with a capital.
            let before = out[..at].trim_end();
            let value = if before.is_empty() || before.ends_with(['.', '!', '?']) {
                capitalized(value)
            } else {
                (*value).to_string()
            };
            out.replace_range(at..at + placeholder.len(), &value);
            from = at + value.len();
        }
    }
    out
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) if first.is_ascii_lowercase() => {
            first.to_ascii_uppercase().to_string() + chars.as_str()
        }
        _ => text.to_string(),
    }
}

fn mix(seed: u64, msg: Msg) -> u64 {
    use std::hash::{Hash, Hasher};
    // DefaultHasher::new() uses fixed keys, so this is stable within a build (replays are reproducible).
    let mut h = std::collections::hash_map::DefaultHasher::new();
    seed.hash(&mut h);
    msg.hash(&mut h);
    h.finish()
}

/// Joins sentences of a reply with the right spacing for the language.
pub fn join(parts: &[String], lang: Lang) -> String {
    let sep = match lang {
        Lang::En => " ",
        Lang::Zh => "",
    };
    parts
        .iter()
        .filter(|p| !p.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(sep)
}

/// Joins list items: "a, b and c" / "a、b和c".
pub fn list(items: &[String], lang: Lang) -> String {
    match (items, lang) {
        ([], _) => String::new(),
        ([one], _) => one.clone(),
        ([init @ .., last], Lang::En) => format!("{} and {last}", init.join(", ")),
        ([init @ .., last], Lang::Zh) => format!("{}和{last}", init.join("、")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fills_placeholders_in_both_languages() {
        let en = render(
            Msg::OrderNotFound,
            Lang::En,
            &[("order", "order one two")],
            7,
        );
        assert!(en.contains("order one two") && !en.contains('{'), "{en}");
        let zh = render(Msg::OrderNotFound, Lang::Zh, &[("order", "订单号一二")], 7);
        assert!(zh.contains("订单号一二") && !zh.contains('{'), "{zh}");
    }

    #[test]
    fn same_seed_same_words_and_seeds_vary() {
        let a = render(Msg::GreetAnonymous, Lang::En, &[], 1);
        assert_eq!(a, render(Msg::GreetAnonymous, Lang::En, &[], 1));
        let distinct: std::collections::HashSet<String> = (0..20)
            .map(|s| render(Msg::GreetAnonymous, Lang::En, &[], s))
            .collect();
        assert!(distinct.len() > 1);
    }

    #[test]
    fn lists() {
        let items: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        assert_eq!(list(&items, Lang::En), "a, b and c");
        assert_eq!(list(&items, Lang::Zh), "a、b和c");
    }
}
