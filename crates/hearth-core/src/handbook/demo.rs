//! The demo's handbook (shared/DEMO.md): 18 team rules, 38 administrative rules and 15 work
//! procedures, all published by 31 March 2016, two of them changed once since (so history and
//! diff have something to show); and 9 partnership agreements signed by then — with the
//! neighbouring 芳草家园 Fangcao Homes team, two organisations, and between members — all in
//! force on 31 March 2016. Bodies come from small templates: short, plausible, Markdown.

use chrono::{NaiveDate, TimeDelta};
use sea_orm::{ActiveModelTrait, Set};

use super::{markdown, seed_categories};
use crate::entity::{handbook_document as doc, handbook_version as ver, partnership};
use crate::error::{CoreError, CoreResult};
use crate::registry::demo::historical;

fn day(y: i32, m: u32, d: u32) -> CoreResult<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| CoreError::Internal("demo date".into()))
}

const TEAM_RULES: [&str; 18] = [
    "值班制度",
    "例会制度",
    "考勤制度",
    "请销假制度",
    "学习培训制度",
    "团队协作守则",
    "志愿者行为守则",
    "工作日志制度",
    "岗位职责制度",
    "首问负责制度",
    "限时办结制度",
    "服务承诺制度",
    "文明用语规范",
    "着装与仪表规范",
    "新成员入职制度",
    "团队活动经费使用规定",
    "工作交接制度",
    "节假日轮休制度",
];

const ADMIN_RULES: [&str; 38] = [
    "居民信息保密制度",
    "档案管理制度",
    "财务管理制度",
    "物资管理制度",
    "印章管理制度",
    "办公用品领用制度",
    "固定资产管理制度",
    "捐赠款物管理制度",
    "票据管理制度",
    "报销审批制度",
    "采购管理制度",
    "车辆使用管理制度",
    "会议室使用管理制度",
    "安全管理制度",
    "消防安全制度",
    "信息系统使用管理制度",
    "账号与密码管理制度",
    "数据备份制度",
    "来访接待制度",
    "投诉处理制度",
    "信访工作制度",
    "公示公开制度",
    "民主决策制度",
    "廉洁自律制度",
    "绩效考核制度",
    "奖惩制度",
    "志愿服务记录制度",
    "合作伙伴管理制度",
    "项目管理制度",
    "统计报表制度",
    "宣传工作管理制度",
    "突发事件报告制度",
    "应急值守制度",
    "文件收发制度",
    "督查督办制度",
    "活动场地管理制度",
    "台账管理制度",
    "钥匙管理制度",
];

/// Work procedures, with their English titles (their bodies are in both languages).
const PROCEDURES: [(&str, &str); 15] = [
    ("入户走访工作规程", "Home visit procedure"),
    ("困难家庭救助工作流程", "Helping families in hardship"),
    ("新入住居民登记流程", "Registering new residents"),
    ("居民信息变更流程", "Changing a resident's details"),
    ("临时救助申请流程", "Applying for temporary relief"),
    ("大病救助申请流程", "Applying for major-illness relief"),
    ("就业推荐工作流程", "Referring residents to jobs"),
    ("招聘会组织流程", "Organising a job fair"),
    ("免费课程开班流程", "Starting a free class"),
    ("结对帮扶工作流程", "Pairing volunteers with households"),
    ("捐款接收与公示流程", "Receiving and publishing donations"),
    ("投诉受理与回复流程", "Handling complaints"),
    ("突发事件应急处置流程", "Responding to emergencies"),
    ("档案借阅流程", "Borrowing records"),
    ("志愿者招募与培训流程", "Recruiting and training volunteers"),
];

fn rule_body(title: &str, effective: NaiveDate) -> String {
    let topic =
        title.trim_end_matches("制度").trim_end_matches("规定").trim_end_matches("守则").trim_end_matches("规范");
    format!(
        "## 目的\n\n为规范本团队的{topic}工作，明确责任，提高服务质量，特制定本制度。\n\n\
         ## 内容\n\n1. 团队成员应熟悉并遵守本制度的各项要求。\n\
         2. {topic}工作由协调员统一安排，具体事项按岗位职责分工落实。\n\
         3. 遇有特殊情况，应及时向协调员报告，并做好记录。\n\
         4. 执行情况纳入每月例会讲评。\n\n\
         ## 附则\n\n本制度由社区服务团队负责解释，自 {effective} 起施行。\n"
    )
}

fn procedure_body(zh: &str, en: &str, effective: NaiveDate) -> String {
    format!(
        "## 适用范围 Scope\n\n本规程适用于团队开展{zh}相关工作。\nThis procedure covers: {en}.\n\n\
         ## 步骤 Steps\n\n1. 受理并登记：核对居民身份，填写登记表。 *Receive and record: check who it is, fill in the form.*\n\
         2. 了解情况：两人以上共同入户或面谈，如实记录。 *Find out: at least two of us, written down as told.*\n\
         3. 研究处理：协调员审核，需要时提交例会讨论。 *Decide: the coordinator reviews; the weekly meeting if needed.*\n\
         4. 反馈回访：五个工作日内告知结果，并按计划回访。 *Answer and follow up within five working days.*\n\n\
         ## 注意事项 Notes\n\n- 居民信息严格保密，按《居民信息保密制度》执行。\n\
         - Residents' details stay confidential.\n\n自 {effective} 起施行。 In effect from {effective}.\n"
    )
}

struct Doc {
    category: &'static str,
    title: String,
    body: String,
    published_on: NaiveDate,
    notice_board: bool,
    /// An earlier version's body, for the documents changed since.
    earlier: Option<String>,
}

fn plan() -> CoreResult<Vec<Doc>> {
    let start = day(2015, 1, 5)?;
    let last = day(2016, 3, 31)?;
    let mut out = Vec::new();
    let mut n: i64 = 0;
    let mut next_day = || {
        n += 1;
        (start + TimeDelta::days(n * 6)).min(last)
    };
    for (i, t) in TEAM_RULES.iter().enumerate() {
        let on = next_day();
        let body = rule_body(t, on);
        let earlier = (*t == "值班制度").then(|| body.replace("4. 执行情况纳入每月例会讲评。\n", ""));
        let body = if *t == "值班制度" {
            body.replace(
                "4. 执行情况纳入每月例会讲评。\n",
                "4. 执行情况纳入每月例会讲评。\n5. 值班电话须保持畅通，夜间值班人员不得离岗。\n",
            )
        } else {
            body
        };
        out.push(Doc {
            category: "team_rules",
            title: (*t).to_owned(),
            body,
            published_on: on,
            notice_board: i < 6,
            earlier,
        });
    }
    for (i, t) in ADMIN_RULES.iter().enumerate() {
        let on = next_day();
        out.push(Doc {
            category: "admin_rules",
            title: (*t).to_owned(),
            body: rule_body(t, on),
            published_on: on,
            notice_board: i < 4,
            earlier: None,
        });
    }
    for (i, (zh, en)) in PROCEDURES.iter().enumerate() {
        let on = next_day();
        let body = procedure_body(zh, en, on);
        let earlier = (i == 0).then(|| body.replace("两人以上共同入户或面谈", "入户或面谈"));
        out.push(Doc {
            category: "procedures",
            title: format!("{zh} {en}"),
            body,
            published_on: on,
            notice_board: i < 3,
            earlier,
        });
    }
    // Stored as a save would store them: without trailing blank lines.
    for d in &mut out {
        d.body = d.body.trim_end().to_owned();
        d.earlier = d.earlier.take().map(|e| e.trim_end().to_owned());
    }
    Ok(out)
}

/// (title, parties, signed on, valid until, text).
type Agreement = (&'static str, &'static str, (i32, u32, u32), Option<(i32, u32, u32)>, &'static str);

const FANGCAO: &str = "芳草家园社区服务团队 Fangcao Homes team";
const JIAFU: &str = "佳福社区服务团队 Jiafu team";

fn agreements() -> [Agreement; 9] {
    [
        (
            "社区联防联控协作协议",
            "",
            (2015, 3, 10),
            Some((2017, 3, 9)),
            "双方在治安巡逻、突发事件处置中互相支援，信息及时互通。",
        ),
        ("志愿者资源共享协议", "", (2015, 6, 1), Some((2016, 12, 31)), "双方志愿者可跨社区参加服务，服务时长互认。"),
        ("困难家庭转介协议", "", (2015, 9, 15), None, "跨社区居住的困难家庭由户籍所在社区牵头，另一方协助。"),
        ("活动场地共用协议", "", (2016, 1, 8), Some((2016, 12, 31)), "双方活动室按月排期共用，使用后恢复原状。"),
        ("就业信息共享协议", "", (2016, 3, 1), Some((2017, 2, 28)), "双方每周互通招聘信息，联合举办招聘会。"),
        (
            "健康讲座合作协议",
            "佳福社区服务团队 Jiafu team\n街道社区卫生服务中心 Street health service centre",
            (2015, 5, 12),
            Some((2016, 12, 31)),
            "卫生服务中心每季度来社区举办一次健康讲座，团队负责组织居民参加。",
        ),
        (
            "法律咨询合作协议",
            "佳福社区服务团队 Jiafu team\n明理律师事务所 Mingli Law Firm",
            (2015, 8, 1),
            Some((2017, 7, 31)),
            "律师事务所每月第一个周六上午在社区提供免费法律咨询。",
        ),
        (
            "值班互换协议",
            "王丽 Wang Li\n陈明 Chen Ming",
            (2015, 11, 2),
            None,
            "双方遇事可互换值班，提前一天报协调员备案。",
        ),
        (
            "结对帮扶互助协议",
            "李娜 Li Na\n张伟 Zhang Wei",
            (2015, 4, 20),
            None,
            "双方分工走访结对家庭，一方不在时由另一方代为联系。",
        ),
    ]
}

/// The practice's demo step.
pub(crate) fn step<'a>(
    tx: &'a sea_orm::DatabaseTransaction,
    ctx: &'a mut crate::practice::DemoContext,
) -> crate::practice::BoxFut<'a, Vec<String>> {
    Box::pin(async move {
        let author = ctx.coordinator.or_else(|| ctx.team.first().copied());
        let community_id = ctx.community_id;
        seed_categories(tx, community_id).await?;
        let docs = plan()?;
        let count = docs.len();
        for d in docs {
            let first_at = historical(d.published_on - TimeDelta::days(3));
            let final_no = if d.earlier.is_some() { 2 } else { 1 };
            let changed_at =
                if d.earlier.is_some() { historical(d.published_on + TimeDelta::days(40)) } else { first_at };
            let m = doc::ActiveModel {
                community_id: Set(community_id),
                category: Set(d.category.to_owned()),
                search_text: Set(markdown::plain(&d.title, &d.body)),
                title: Set(d.title.clone()),
                body: Set(d.body.clone()),
                published_on: Set(Some(d.published_on)),
                on_notice_board: Set(d.notice_board),
                version_no: Set(final_no),
                created_by: Set(author),
                updated_by: Set(author),
                created_at: Set(first_at),
                updated_at: Set(changed_at),
                ..Default::default()
            }
            .insert(tx)
            .await?;
            let mut versions = Vec::new();
            if let Some(earlier) = &d.earlier {
                versions.push((1, earlier.clone(), first_at));
            }
            versions.push((final_no, d.body.clone(), changed_at));
            for (no, body, at) in versions {
                ver::ActiveModel {
                    community_id: Set(community_id),
                    document_id: Set(m.id),
                    version_no: Set(no),
                    category: Set(d.category.to_owned()),
                    title: Set(d.title.clone()),
                    body: Set(body),
                    published_on: Set(Some(d.published_on)),
                    on_notice_board: Set(d.notice_board),
                    author_id: Set(author),
                    saved_at: Set(at),
                    ..Default::default()
                }
                .insert(tx)
                .await?;
            }
        }
        let list = agreements();
        for (title, parties, signed, until, text) in list {
            let signed_on = day(signed.0, signed.1, signed.2)?;
            let valid_until = match until {
                Some((y, m, d)) => Some(day(y, m, d)?),
                None => None,
            };
            let parties = if parties.is_empty() { format!("{JIAFU}\n{FANGCAO}") } else { parties.to_owned() };
            let at = historical(signed_on);
            partnership::ActiveModel {
                community_id: Set(community_id),
                title: Set(title.to_owned()),
                parties: Set(parties),
                signed_on: Set(signed_on),
                valid_until: Set(valid_until),
                text: Set(Some(text.to_owned())),
                scan_name: Set(None),
                scan_type: Set(None),
                scan_size: Set(None),
                created_by: Set(author),
                created_at: Set(at),
                updated_at: Set(at),
                ..Default::default()
            }
            .insert(tx)
            .await?;
        }
        Ok(vec![format!("{count} handbook documents"), format!("{} partnership agreements", list.len())])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_has_its_counts_and_dates() {
        let p = plan().unwrap_or_default();
        let n = |c: &str| p.iter().filter(|d| d.category == c).count();
        assert_eq!((n("team_rules"), n("admin_rules"), n("procedures")), (18, 38, 15));
        let last = NaiveDate::from_ymd_opt(2016, 3, 31);
        assert!(p.iter().all(|d| Some(d.published_on) <= last));
        assert_eq!(p.iter().filter(|d| d.earlier.is_some()).count(), 2);
        assert!(p.iter().filter_map(|d| d.earlier.as_ref().map(|e| e != &d.body)).all(|x| x));
    }
}
