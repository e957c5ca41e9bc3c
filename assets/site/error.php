<?php
// Answers 500 on purpose: the lab's 5xx metric filter and alarm need a way to
// see a server error without breaking the server.
require __DIR__ . '/lib.php';
http_response_code(500);
page_header('Server error');
echo '<p>This page fails on purpose, so that the 5xx alarm has something to count.</p>';
page_footer();
