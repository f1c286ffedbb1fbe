"""Reads Prometheus text from stdin with prometheus_client's parser (the reference one) and
prints each sample as: name<TAB>label=value,label=value<TAB>value. Exits 1 if it does not parse."""
import sys

from prometheus_client.parser import text_string_to_metric_families

for family in text_string_to_metric_families(sys.stdin.read()):
    for sample in family.samples:
        labels = ",".join("%s=%s" % item for item in sorted(sample.labels.items()))
        print("%s\t%s\t%s" % (sample.name, labels, sample.value))
