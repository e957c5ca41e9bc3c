<?php
// Shared helpers of the lab's pages. The facts about the instance are written
// by the user data at boot into /etc/seclab, so no page calls the instance
// metadata service.

function lab(string $name): string {
    $v = @file_get_contents('/etc/seclab/' . basename($name));
    return $v === false ? 'unknown' : trim($v);
}

function h(string $s): string {
    return htmlspecialchars($s, ENT_QUOTES | ENT_SUBSTITUTE, 'UTF-8');
}

function page_header(string $title): void {
    header('Content-Type: text/html; charset=utf-8');
    header('X-Content-Type-Options: nosniff');
    header("Content-Security-Policy: default-src 'self'");
    echo "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", h($title),
        "</title><link rel=\"stylesheet\" href=\"/style.css\"></head><body><h1>", h($title), "</h1>\n";
}

function page_footer(): void {
    echo "</body></html>\n";
}
