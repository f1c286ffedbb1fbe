<?php
// A PHP php-gearman worker that sends every kind of in-progress packet, for the
// client-mode tests. Usage: php worker.php HOST PORT
$worker = new GearmanWorker();
$worker->addServer($argv[1], (int)$argv[2]);
$worker->addFunction("progress", function (GearmanJob $job) {
    $job->sendStatus(1, 4);
    $job->sendData("part;");
    $job->sendWarning("careful\n");
    $job->sendStatus(4, 4);
    return "done:" . $job->workload();
});
$worker->addFunction("zero", function (GearmanJob $job) {
    $job->sendStatus(1, 0);
    return "ok";
});
$worker->addFunction("fail", function (GearmanJob $job) {
    $job->sendData("partial");
    $job->sendFail();
    return null;
});
$worker->addFunction("exception", function (GearmanJob $job) {
    $job->sendException("boom\n");
    return null;
});
while ($worker->work()) {
}
