#!/bin/sh
# jsonflat FILE: print one "path<TAB>value" line per scalar of a JSON document, paths
# joined with dots and array indexes as numbers (networks.0.ip_address<TAB>10.0.0.5).
# Enough JSON for the config drive's files, in busybox awk.
exec awk '
function ws() { while (i <= n && index(" \t\r\n", substr(s, i, 1))) i++ }
function join(path, key) { return path == "" ? key : path "." key }
function str(   out, c) {
    i++; out = ""
    while (i <= n) {
        c = substr(s, i, 1)
        if (c == "\"") { i++; return out }
        if (c == "\\") {
            i++; c = substr(s, i, 1)
            if (c == "n" || c == "t" || c == "r") c = " "
            else if (c == "u") { c = "?"; i += 4 }
        }
        out = out c; i++
    }
    return out
}
function value(path,   c, start) {
    ws(); c = substr(s, i, 1)
    if (c == "{") object(path)
    else if (c == "[") array(path)
    else if (c == "\"") print path "\t" str()
    else {
        start = i
        while (i <= n && !index(",]} \t\r\n", substr(s, i, 1))) i++
        print path "\t" substr(s, start, i - start)
    }
}
function object(path,   key, c) {
    i++; ws()
    if (substr(s, i, 1) == "}") { i++; return }
    while (i <= n) {
        ws(); key = str(); ws(); i++
        value(join(path, key))
        ws(); c = substr(s, i, 1); i++
        if (c != ",") return
    }
}
function array(path,   k, c) {
    i++; ws()
    if (substr(s, i, 1) == "]") { i++; return }
    k = 0
    while (i <= n) {
        value(join(path, k)); k++
        ws(); c = substr(s, i, 1); i++
        if (c != ",") return
    }
}
{ s = s $0 "\n" }
END { n = length(s); i = 1; value("") }
' "$@"
