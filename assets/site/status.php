<?php
// A small JSON endpoint: the participant, the instance and the server time.
require __DIR__ . '/lib.php';
header('Content-Type: application/json');
header('Cache-Control: no-store');
echo json_encode([
    'participant' => lab('participant'),
    'group' => lab('group'),
    'instance_id' => lab('instance-id'),
    'time' => gmdate('Y-m-d\TH:i:s\Z'),
]), "\n";
