# A Gearman::Worker (libgearman-client-perl) worker: `upper` upper-cases the workload,
# `perl_fail` fails. Usage: perl perl_worker.pl PORT
use strict;
use warnings;
use Gearman::Worker;

my $worker = Gearman::Worker->new(job_servers => ["127.0.0.1:$ARGV[0]"]);
$worker->register_function(upper => sub { uc $_[0]->arg });
$worker->register_function(perl_fail => sub { die "perl worker failed\n" });
$worker->work while 1;
