<?php
// The lab's home page: which participant's server answered, and what it saw
// of the request, so a participant can match a page view to its access-log line.
require __DIR__ . '/lib.php';
page_header('Security logging lab');
?>
<p>This is the web server of participant <strong><?= h(lab('participant')) ?></strong>
in study group <strong><?= h(lab('group')) ?></strong>.</p>
<table>
<tr><th>Instance</th><td><?= h(lab('instance-id')) ?></td></tr>
<tr><th>Availability Zone</th><td><?= h(lab('availability-zone')) ?></td></tr>
<tr><th>Time (UTC)</th><td><?= h(gmdate('Y-m-d\TH:i:s\Z')) ?></td></tr>
<tr><th>Your address</th><td><?= h($_SERVER['REMOTE_ADDR'] ?? '') ?></td></tr>
<tr><th>Request</th><td><?= h(($_SERVER['REQUEST_METHOD'] ?? '') . ' ' . ($_SERVER['REQUEST_URI'] ?? '')) ?></td></tr>
<tr><th>User agent</th><td><?= h($_SERVER['HTTP_USER_AGENT'] ?? '') ?></td></tr>
</table>
<p>Every request you make here becomes a line in
<code>securitylablogs/<?= h(lab('group')) ?>/apache-access-logs</code>, stream
<code><?= h(lab('participant')) ?></code>.</p>
<ul>
<li><a href="/about.html">About this lab</a></li>
<li><a href="/login.php">Sign in</a> (always fails: a 401 for the logs)</li>
<li><a href="/status.php">Status (JSON)</a></li>
<li><a href="/error.php">A server error</a> (a 500 for the alarms)</li>
<li><a href="/example">A page that does not exist</a> (a 404)</li>
</ul>
<?php page_footer(); ?>
