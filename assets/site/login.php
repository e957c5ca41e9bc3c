<?php
// A sign-in form that never lets anyone in: POSTs answer 401, so the lab's
// traffic and the participants' own attempts leave 4xx lines whose source
// addresses the report ranks (seeds/004, "top sources of failures").
require __DIR__ . '/lib.php';
if (($_SERVER['REQUEST_METHOD'] ?? 'GET') === 'POST') {
    http_response_code(401);
    page_header('Sign-in failed');
    echo '<p>Unknown user or wrong password. This attempt is in the access log.</p>';
    page_footer();
    exit;
}
page_header('Sign in');
?>
<form method="post" action="/login.php">
<label>User <input name="user" autocomplete="off"></label>
<label>Password <input name="password" type="password"></label>
<button type="submit">Sign in</button>
</form>
<?php page_footer(); ?>
