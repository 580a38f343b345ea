"""Hostile text: XSS vectors every text field must take in and give back inert.

Each vector is tried in every markdown field and every plain-text field. A field may
refuse one with a validation error (a URL field refuses most of them, a one-line field
refuses line breaks); then the vector never reaches a page, which is inert too.
Markdown pictures carry real alt text, or the submission's preflight would refuse the
whole issue before the pages could be read.
"""

_SCRIPTS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//xss.example/x.js></SCRIPT>",
    "<script src=data:text/javascript,alert(1)></script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<script/xss src=//xss.example/x.js></script>",
    "<<script>alert(1)//<</script>",
    "<script>alert(String.fromCharCode(88,83,83))</script>",
    '<script type="text/plain">alert(1)</script>',
    "<script>/*",
    "</script><script>alert(1)</script>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<template><script>alert(1)</script></template>",
]

_HANDLERS = [
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)">',
    "<IMG SRC=x OnErRoR=alert(1)>",
    "<img src=x onerror=&#97;lert(1)>",
    "<body onload=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    "<iframe src=javascript:alert(1)></iframe>",
    "<object data=javascript:alert(1)></object>",
    "<embed src=javascript:alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<div onmouseover=alert(1)>hover</div>",
    "<a href=/ onclick=alert(1)>click</a>",
    "<form action=javascript:alert(1)><button>go</button></form>",
    "<button formaction=javascript:alert(1)>go</button>",
    "<isindex action=javascript:alert(1) type=image>",
    '<meta http-equiv=refresh content="0;url=javascript:alert(1)">',
    "<base href=javascript:alert(1)//>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<img srcset="x 1w, javascript:alert(1) 2w">',
    "<keygen autofocus onfocus=alert(1)>",
]

_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    " javascript:alert(1)",
    "java\tscript:alert(1)",
    "java&#x09;script:alert(1)",
    "&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)",
    "javascript&colon;alert(1)",
    "%6A%61%76%61%73%63%72%69%70%74%3Aalert(1)",
    "vbscript:msgbox(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:text/html,<script>alert(1)</script>",
    "data:image/svg+xml,<svg onload=alert(1)>",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'onmouseover='alert(1)",
    "https://example.com/?q=</script><script>alert(1)</script>",
    "https://example.com/#<img src=x onerror=alert(1)>",
    "https://example.com/<svg/onload=alert(1)>",
    "https://user:pass@example.com/?a=1&b=<b>",
    "//xss.example/x.js",
    "\\\\xss.example\\x",
]

_MARKDOWN = [
    "[click](javascript:alert(1))",
    "[click](JAVASCRIPT:alert(1))",
    "[click](javascript&#58;alert(1))",
    "[click](  javascript:alert(1)  )",
    "[click](<javascript:alert(1)>)",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    '[click](https://example.com/ "title\\" onmouseover=\\"alert(1)")',
    "![a chart](javascript:alert(1))",
    '![a chart" onerror="alert(1)](https://example.com/a.png)',
    '![a chart](https://example.com/a.png"onerror="alert(1))',
    "![a chart](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "<javascript:alert(1)>",
    '<https://example.com/"onmouseover=alert(1)>',
    "<mailto:a@example.com?body=<script>alert(1)</script>>",
    "[ref]\n\n[ref]: javascript:alert(1)",
    '[ref][1]\n\n[1]: https://example.com/ "t" onclick="alert(1)"',
    "![a chart][i]\n\n[i]: javascript:alert(1)",
    "[a](https://example.com/)<script>alert(1)</script>",
    "[<img src=x onerror=alert(1)>](https://example.com/)",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "    <script>alert(1)</script>",
    "<div>\n<script>alert(1)</script>\n</div>",
    "<div markdown=1>*x*<script>alert(1)</script></div>",
    "> <script>alert(1)</script>",
    "- [x](javascript:alert(1))\n- <img src=x onerror=alert(1)>",
    "| a | b |\n|---|---|\n| <script>alert(1)</script> | <td onclick=alert(1)> |",
    "| a |\n|:-:|\n| x |\n\n"
    '<td style="text-align:center;background:url(javascript:alert(1))">x</td>',
    "<abbr title='\" onmouseover=alert(1) x=\"'>a</abbr>",
    "<a href='javascript:alert(1)'>a</a>",
    '<a href="java&#10;script:alert(1)">a</a>',
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    "<?php echo 1 ?><% alert(1) %>",
]

_NAMESPACES = [
    "<svg><script>alert(1)</script></svg>",
    "<svg><a xlink:href=javascript:alert(1)><text y=20>x</text></a></svg>",
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
    "<math href=javascript:alert(1)>x</math>",
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<noembed><img title="</noembed><img src onerror=alert(1)>"></noembed>',
    '<xmp><img title="</xmp><img src onerror=alert(1)>"></xmp>',
]

_BREAKOUTS = [
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</style><script>alert(1)</script>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '"autofocus onfocus=alert(1) x="',
    '</script><script>alert(1)</script>{"a":"',
    "\\u003c/script\\u003e<script>alert(1)</script>",
    '"}]</script><script>alert(1)</script>',
    "]]><script>alert(1)</script><![CDATA[",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;script&amp;gt;alert(1)",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "%253Cscript%253Ealert(1)",
    "<ScRiPt>alert(1)</sCrIpT>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "\x00<script>alert(1)</script>",
    "a\r\n<script>alert(1)</script>",
    "Subject: x\r\nBcc: victim@example.com",
    "<img src=x onerror\n=alert(1)>",
]

_CSS = [
    '<div style="width: expression(alert(1))">x</div>',
    '<p style="background:url(javascript:alert(1))">x</p>',
    "<style>@import 'javascript:alert(1)';</style>",
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<td style="text-align:right;behavior:url(x.htc)">x</td>',
    '<span style="-moz-binding:url(//xss.example/x.xml#x)">x</span>',
]

_UNICODE = [
    "\u202egnp.exe\u202c <script>alert(1)</script>",
    "safe\u200b<script>alert(1)</script>\u200d",
    "\ufeff<script>alert(1)</script>",
    "\u2028<script>alert(1)</script>\u2029",
    "＜script＞alert(1)＜/script＞",
    "<img src=x onerror=alert(1)>🤖👩‍💻",
    "jav\u0430script:alert(1)",
    "\u00a0javascript:alert(1)",
]

_TEMPLATES = [
    "{{ 7|add:7 }} {% debug %}",
    "{% load static %}{% static 'x' %}",
    "{{ request.user.password }}",
    "{# comment #}{{ settings.SECRET_KEY }}",
    "${alert(1)} #{alert(1)} <%= alert(1) %>",
    "{{constructor.constructor('alert(1)')()}}",
    "{%raw%}<script>alert(1)</script>{%endraw%}",
]

VECTORS: list[str] = [
    *_SCRIPTS,
    *_HANDLERS,
    *_URLS,
    *_MARKDOWN,
    *_NAMESPACES,
    *_BREAKOUTS,
    *_CSS,
    *_UNICODE,
    *_TEMPLATES,
]

assert len(VECTORS) == len(set(VECTORS)), "a vector is listed twice"
