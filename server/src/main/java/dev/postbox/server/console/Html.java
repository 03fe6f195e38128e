package dev.postbox.server.console;

import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/** HTML text made safe, the console's page frame, and form and query decoding. */
final class Html {
    private Html() {
    }

    /** Text as HTML text or attribute value: never markup. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    static String url(String text) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8);
    }

    /** {@code a=1&b=2} (a form body or a query string), decoded; the last of a repeated name wins. */
    static Map<String, String> decode(String encoded) {
        Map<String, String> values = new LinkedHashMap<>();
        if (encoded == null || encoded.isEmpty()) {
            return values;
        }
        for (String pair : encoded.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            values.put(URLDecoder.decode(name, StandardCharsets.UTF_8), URLDecoder.decode(value, StandardCharsets.UTF_8));
        }
        return values;
    }

    private static final String STYLE = """
            body{font-family:system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
            header{background:#232f3e;color:#fff;padding:.6rem 1.2rem;display:flex;gap:1.5rem;align-items:baseline}
            header a{color:#fff;text-decoration:none;font-weight:600}main{padding:1rem 1.2rem;max-width:1200px}
            table{border-collapse:collapse;width:100%;background:#fff;margin:.5rem 0 1rem}
            th,td{border-bottom:1px solid #e3e6ea;padding:.35rem .5rem;text-align:left;vertical-align:top;font-size:.92rem}
            th{background:#eef1f4}td.num{text-align:right;font-variant-numeric:tabular-nums}
            pre{margin:0;white-space:pre-wrap;word-break:break-word;max-height:16rem;overflow:auto;font-size:.85rem}
            section{background:#fff;border:1px solid #e3e6ea;border-radius:6px;padding:.6rem 1rem;margin:0 0 1rem}
            h1{font-size:1.4rem}h2{font-size:1.1rem;margin:.2rem 0 .5rem}.flash{padding:.5rem 1rem;border-radius:6px}
            .ok{background:#e6f4ea}.error{background:#fde8e8}.state-IN_FLIGHT{color:#b35c00}.state-DELAYED{color:#666}
            form.inline{display:inline}input,textarea,select{font:inherit;margin:.15rem 0}textarea{width:100%}
            .grid{display:grid;grid-template-columns:1fr 1fr;gap:1rem}label{display:block;font-size:.85rem}
            .muted{color:#666;font-size:.85rem}button.danger{color:#fff;background:#b42318;border:0;padding:.3rem .7rem}
            """;

    /** A whole page: the frame (header, style, scripts) around {@code body}. */
    static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                + "<title>" + escape(title) + " · Postbox</title><style>" + STYLE + "</style>"
                + "<link rel=\"stylesheet\" href=\"/console/static/uPlot.min.css\">"
                + "<script src=\"/console/static/htmx.min.js\"></script>"
                + "<script src=\"/console/static/uPlot.iife.min.js\"></script></head><body>"
                + "<header><a href=\"/console/\">Postbox</a><span>" + escape(title) + "</span></header>"
                + "<main>" + body + "</main></body></html>";
    }
}
