import Crypto
import Foundation
import Mustache

/// The dashboard's Mustache templates and its one stylesheet, compiled into the binary: the hub
/// serves its pages with no files beside it, no CDN and no scripts.
///
/// Colours are chosen for contrast of at least 7:1 (WCAG AAA) against their backgrounds, and
/// every state is also written in words, never shown by colour alone.
enum DashboardTemplates {
    static let stylesheet = """
        *{box-sizing:border-box}
        html{font-size:18px}
        body{margin:0;font-family:"Noto Sans CJK SC","Noto Sans SC","Source Han Sans SC",sans-serif;line-height:1.45;color:#111;background:#fff}
        header.top{display:flex;flex-wrap:wrap;align-items:center;gap:.4rem 1.2rem;padding:.5rem 1rem;background:#1d3b5a;color:#fff}
        header.top .brand{font-size:1.3rem;font-weight:bold;margin-right:auto}
        header.top nav{display:flex;flex-wrap:wrap;gap:.3rem}
        header.top a{color:#fff;text-decoration:none;padding:.35rem .7rem;border:2px solid transparent;border-radius:6px;font-size:1.1rem}
        header.top a.current{border-color:#fff}
        header.top a:focus,header.top a:hover{border-color:#fff}
        header.top form{display:flex;align-items:center;gap:.6rem;margin:0}
        main{padding:.6rem 1rem 2rem}
        h1{font-size:1.6rem;margin:.2rem 0 .6rem}
        h2{font-size:1.3rem;margin:1.2rem 0 .5rem}
        a.button{display:inline-flex;align-items:center;text-decoration:none}
        a.button.secondary{background:#fff;color:#1d3b5a}
        button,.button{font:inherit;font-size:1.1rem;min-height:44px;min-width:44px;padding:.3rem 1rem;border:2px solid #1d3b5a;border-radius:6px;background:#1d3b5a;color:#fff;cursor:pointer}
        header.top button{background:#fff;color:#1d3b5a;border-color:#fff}
        button.secondary{background:#fff;color:#1d3b5a}
        button.danger{background:#8b0000;border-color:#8b0000}
        input,select,textarea{font:inherit;font-size:1.1rem;min-height:44px;padding:.3rem .5rem;border:2px solid #333;border-radius:6px;background:#fff;color:#111}
        label{font-weight:bold}
        .filter{display:flex;flex-wrap:wrap;align-items:center;gap:.6rem;margin:0 0 .8rem}
        .summary{display:flex;flex-wrap:wrap;gap:.5rem;margin:0 0 .6rem;padding:0;list-style:none}
        .summary li{border:2px solid #444;border-radius:8px;padding:.25rem .8rem;background:#f2f2f2;color:#111}
        .summary li b{font-size:1.35rem;margin-left:.3rem}
        .summary li.bad{background:#fde8e8;border-color:#7a0c0c;color:#7a0c0c}
        .summary li.warn{background:#fff4d6;border-color:#5c3800;color:#5c3800}
        table{border-collapse:collapse;width:100%}
        th,td{text-align:left;vertical-align:top;padding:.22rem .45rem;border-bottom:1px solid #777}
        thead th{background:#f2f2f2;color:#111;border-bottom:2px solid #111;white-space:nowrap}
        td.id{font-family:"Noto Sans Mono CJK SC",monospace;white-space:nowrap}
        tr.attention td:first-child{box-shadow:inset 6px 0 0 #8b0000}
        .ok{color:#0b5d1e}
        .warn{color:#5c3800;background:#fff4d6;font-weight:bold}
        .bad{color:#7a0c0c;background:#fde8e8;font-weight:bold}
        .muted{color:#444}
        .note{color:#444;font-size:.95rem}
        .error{color:#7a0c0c;background:#fde8e8;border:2px solid #7a0c0c;border-radius:6px;padding:.5rem .8rem;font-weight:bold}
        .notice{color:#0a5219;background:#e8f3ea;border:2px solid #0a5219;border-radius:6px;padding:.5rem .8rem}
        form.login{display:grid;gap:.5rem;max-width:26rem}
        form.login button{margin-top:.6rem}
        .services{margin:0;padding:0;list-style:none}
        .totals{display:flex;flex-wrap:wrap;gap:.3rem 1.2rem;margin:0 0 .6rem;padding:0}
        .heading{display:flex;flex-wrap:wrap;align-items:center;gap:.3rem 1.5rem;margin:0 0 .5rem}
        .heading h1,.heading .filter{margin:0}
        img.evidence{max-width:100%;height:auto;border:2px solid #333}
        .decision{display:grid;gap:.5rem;max-width:36rem;margin-top:1rem}
        @media (max-width:760px){
          html{font-size:17px}
          main{padding:.6rem .6rem 2rem}
          table.fleet thead{position:absolute;left:-9999px}
          table.fleet,table.fleet tbody,table.fleet tr,table.fleet td{display:block;width:100%}
          table.fleet tr{border:2px solid #444;border-radius:8px;margin:0 0 .7rem;padding:.3rem .5rem}
          table.fleet tr.attention{border-color:#8b0000;border-width:3px}
          table.fleet tr.attention td:first-child{box-shadow:none}
          table.fleet td{display:flex;gap:.6rem;border-bottom:1px solid #bbb;padding:.3rem .1rem}
          table.fleet td:last-child{border-bottom:0}
          table.fleet td::before{content:attr(data-label);flex:0 0 5.5em;font-weight:bold;color:#111}
        }
        """

    /// The CSP source that allows exactly this inline stylesheet and nothing else.
    static let styleHash = "sha256-" + Data(SHA256.hash(data: Data(stylesheet.utf8))).base64EncodedString()

    static let layoutHead = """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{title}} · 自助终端管理</title>
        <style>{{{stylesheet}}}</style></head>
        <body>
        <header class="top"><span class="brand">自助终端管理</span>
        {{#staff}}<nav aria-label="主菜单">
        <a href="/staff/fleet"{{#navFleet}} class="current" aria-current="page"{{/navFleet}}>终端</a>
        <a href="/staff/review"{{#navReview}} class="current" aria-current="page"{{/navReview}}>待审核</a>
        <a href="/staff/ratings"{{#navRatings}} class="current" aria-current="page"{{/navRatings}}>好差评</a>
        <a href="/staff/audit"{{#navAudit}} class="current" aria-current="page"{{/navAudit}}>操作记录</a>
        </nav>
        <form method="post" action="/staff/logout"><input type="hidden" name="csrf" value="{{csrf}}"><span>{{displayName}}</span><button type="submit">退出登录</button></form>
        {{/staff}}</header>
        <main>
        """

    static let layoutFoot = """
        </main>
        </body></html>
        """

    static let login = """
        {{> head}}
        <h1>工作人员登录</h1>
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <form class="login" method="post" action="/staff/login">
        <input type="hidden" name="csrf" value="{{loginToken}}">
        <label for="username">用户名</label>
        <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" required value="{{username}}">
        <label for="password">密码</label>
        <input id="password" name="password" type="password" autocomplete="current-password" required>
        <button type="submit">登录</button>
        </form>
        {{> foot}}
        """

    static let message = """
        {{> head}}
        <h1>{{heading}}</h1>
        <p class="error" role="alert">{{message}}</p>
        <p><a href="{{link}}">{{linkText}}</a></p>
        {{> foot}}
        """

    static let fleet = """
        {{> head}}
        <div class="heading">
        <h1>终端运行状态{{#officeName}}：{{officeName}}{{/officeName}}</h1>
        <form class="filter" method="get" action="/staff/fleet">
        <label for="office">街道</label>
        <select id="office" name="office"><option value="">全部街道</option>
        {{#offices}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/offices}}
        </select>
        <button type="submit">筛选</button>
        <span class="note">更新于 {{generatedAt}}，刷新页面可更新</span>
        </form>
        </div>
        <ul class="summary" aria-label="概况">
        {{#tiles}}<li class="{{tone}}">{{label}}<b>{{count}}</b></li>{{/tiles}}
        </ul>
        <p class="totals"><b>今日业务（{{today}}）：</b>{{#totals}}<span>{{label}} <b>{{count}}</b></span>{{/totals}}{{^totals}}<span class="muted">暂无</span>{{/totals}}</p>
        {{^hasKiosks}}<p class="muted">没有终端{{#officeName}}属于{{officeName}}{{/officeName}}。</p>{{/hasKiosks}}
        {{#hasKiosks}}
        <table class="fleet">
        <thead><tr><th scope="col">终端</th><th scope="col">街道</th><th scope="col">连接</th><th scope="col">读卡器</th><th scope="col">打印机</th><th scope="col">摄像头</th><th scope="col">待上传</th><th scope="col">缺号</th><th scope="col">搁置</th><th scope="col">版本</th><th scope="col">今日业务</th></tr></thead>
        <tbody>
        {{/hasKiosks}}
        {{#kiosks}}
        <tr{{#attention}} class="attention"{{/attention}}>
        <td class="id" data-label="终端" title="{{deviceID}}">{{shortID}}</td>
        <td data-label="街道">{{office}}</td>
        <td data-label="连接" class="{{connection.tone}}">{{connection.text}}</td>
        <td data-label="读卡器" class="{{cardReader.tone}}">{{cardReader.text}}</td>
        <td data-label="打印机" class="{{printer.tone}}">{{printer.text}}</td>
        <td data-label="摄像头" class="{{camera.tone}}">{{camera.text}}</td>
        <td data-label="待上传" class="{{outbox.tone}}">{{outbox.text}}</td>
        <td data-label="缺号" class="{{gaps.tone}}">{{gaps.text}}</td>
        <td data-label="搁置" class="{{parked.tone}}">{{parked.text}}</td>
        <td data-label="版本">{{version}}</td>
        <td data-label="今日业务">{{services}}</td>
        </tr>
        {{/kiosks}}
        {{#hasKiosks}}
        </tbody></table>
        {{/hasKiosks}}
        {{> foot}}
        """

    static let audit = """
        {{> head}}
        <h1>操作记录</h1>
        <p class="note">最近 {{count}} 条工作人员操作（登录、查看、审核、账号管理），最新的在前。</p>
        <table>
        <thead><tr><th scope="col">时间</th><th scope="col">人员</th><th scope="col">操作</th><th scope="col">对象</th><th scope="col">结果</th><th scope="col">地址</th></tr></thead>
        <tbody>
        {{#entries}}<tr><td>{{at}}</td><td>{{actor}}</td><td>{{action}}</td><td>{{target}}</td><td class="{{tone}}">{{outcome}}</td><td>{{address}}</td></tr>{{/entries}}
        </tbody></table>
        {{> foot}}
        """

    static let reviews = """
        {{> head}}
        <h1>资格认证审核：{{statusName}}</h1>
        {{#notice}}<p class="notice" role="status">{{notice}}</p>{{/notice}}
        <nav class="filter" aria-label="审核状态">
        {{#statuses}}<a class="button{{^current}} secondary{{/current}}" href="/staff/review?status={{value}}"{{#current}} aria-current="page"{{/current}}>{{name}}</a>{{/statuses}}
        </nav>
        {{^hasReviews}}<p class="muted">没有{{statusName}}的申请。</p>{{/hasReviews}}
        {{#hasReviews}}
        <table class="fleet">
        <thead><tr><th scope="col">编号</th><th scope="col">提交时间</th><th scope="col">身份证</th><th scope="col">终端</th><th scope="col">街道</th><th scope="col">核验</th><th scope="col">照片问题</th><th scope="col">状态</th></tr></thead>
        <tbody>
        {{#reviews}}<tr>
        <td data-label="编号"><a href="/staff/review/{{id}}">第 {{id}} 号</a></td>
        <td data-label="提交时间">{{submittedAt}}</td>
        <td data-label="身份证" class="id">{{citizen}}</td>
        <td data-label="终端" class="id">{{kiosk}}</td>
        <td data-label="街道">{{office}}</td>
        <td data-label="核验">{{checks}}</td>
        <td data-label="照片问题">{{flags}}</td>
        <td data-label="状态">{{status}}</td>
        </tr>{{/reviews}}
        </tbody></table>
        {{/hasReviews}}
        {{> foot}}
        """

    static let review = """
        {{> head}}
        <h1>资格认证 第 {{id}} 号：{{status}}</h1>
        {{#message}}<p class="error" role="alert">{{message}}</p>{{/message}}
        <table>
        <tr><th scope="row">身份证</th><td class="id">{{citizen}}</td></tr>
        <tr><th scope="row">提交时间</th><td>{{submittedAt}}</td></tr>
        <tr><th scope="row">终端</th><td><span class="id">{{kiosk}}</span> {{office}}</td></tr>
        <tr><th scope="row">核验</th><td>{{checks}}</td></tr>
        <tr><th scope="row">照片问题</th><td>{{flags}}</td></tr>
        {{#steps}}<tr><th scope="row">动作：{{action}}</th><td class="{{tone}}">{{result}} {{elapsed}}</td></tr>{{/steps}}
        {{^pending}}<tr><th scope="row">处理</th><td>{{decidedBy}} {{decidedAt}} {{reason}}</td></tr>{{/pending}}
        </table>
        <h2>现场照片</h2>
        {{#evidenceGone}}<p class="muted">照片已按保存期限删除。</p>{{/evidenceGone}}
        {{#frames}}<p><img class="evidence" src="{{url}}" alt="现场照片 第 {{number}} 张" width="640" height="480"></p>{{/frames}}
        {{#pending}}
        <h2>处理</h2>
        <form class="decision" method="post" action="/staff/review/{{id}}/decision">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <input type="hidden" name="decision" value="approve">
        <button type="submit">通过</button>
        </form>
        <form class="decision" method="post" action="/staff/review/{{id}}/decision">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="reason">不通过的原因（终端会告诉办事人）</label>
        <textarea id="reason" name="reason" rows="3" maxlength="200" required></textarea>
        <button type="submit" class="danger" name="decision" value="reject">不通过</button>
        </form>
        <form class="decision" method="post" action="/staff/review/{{id}}/decision">
        <input type="hidden" name="csrf" value="{{csrf}}">
        <label for="note">上门核实的说明（可不填）</label>
        <input id="note" name="reason" maxlength="200">
        <button type="submit" class="secondary" name="decision" value="home_visit">安排上门核实</button>
        </form>
        {{/pending}}
        <p><a href="/staff/review">回到审核列表</a></p>
        {{> foot}}
        """

    static let ratings = """
        {{> head}}
        <h1>好差评（近 30 天）{{#officeName}}：{{officeName}}{{/officeName}}</h1>
        <form class="filter" method="get" action="/staff/ratings">
        <label for="office">街道</label>
        <select id="office" name="office"><option value="">全部街道</option>
        {{#offices}}<option value="{{name}}"{{#selected}} selected{{/selected}}>{{name}}</option>{{/offices}}
        </select>
        <button type="submit">筛选</button>
        </form>
        {{^hasSummaries}}<p class="muted">近 30 天没有评价。</p>{{/hasSummaries}}
        {{#hasSummaries}}
        <table class="fleet">
        <thead><tr><th scope="col">街道</th><th scope="col">服务</th><th scope="col">评价数</th><th scope="col">平均分</th><th scope="col">各分数</th><th scope="col">差评（1–2 分）</th><th scope="col">最近的原因</th></tr></thead>
        <tbody>
        {{#summaries}}<tr>
        <td data-label="街道">{{office}}</td><td data-label="服务">{{service}}</td><td data-label="评价数">{{count}}</td>
        <td data-label="平均分">{{average}}</td><td data-label="各分数">{{levels}}</td>
        <td data-label="差评" class="{{poorTone}}">{{poor}}</td><td data-label="最近的原因">{{reasons}}</td>
        </tr>{{/summaries}}
        </tbody></table>
        {{/hasSummaries}}
        {{> foot}}
        """

    /// The compiled library.
    static let library: MustacheLibrary = {
        var library = MustacheLibrary()
        let templates = ["head": layoutHead, "foot": layoutFoot, "login": login, "message": message, "fleet": fleet, "audit": audit,
                         "reviews": reviews, "review": review, "ratings": ratings]
        for (name, text) in templates {
            // A template that does not parse is left out; its page then answers 500 (and every
            // dashboard test fails), instead of the hub stopping.
            try? library.register(text, named: name)
        }
        return library
    }()

    /// Whether `name` parsed and is in the library (tests check every page).
    static func isCompiled(_ name: String) -> Bool { library.getTemplate(named: name) != nil }

    static func render(_ name: String, _ page: [String: Any]) -> String? {
        var context = page
        context["stylesheet"] = stylesheet
        return library.render(context, withTemplate: name)
    }
}
