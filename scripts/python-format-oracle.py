#!/usr/bin/python3
"""Writes test/unit/config/python-format.json: Python 3's output (or error text) for %-conversions
of the int and str values supervisord expands. expand.test.ts checks supd's expand() against it.
Run: /usr/bin/python3 scripts/python-format-oracle.py > test/unit/config/python-format.json"""
import json, random, sys

values = [0, 3, -5, 25, 255, 1114112, 123456789, 'web', 'x', "it's", 'a\tb\x01\x7f\u00e9\u2603']
grid = ['%(v)' + f + w + p + c
        for c in 'diouxXeEfFgGcrsa'
        for f in ['', '-', '0', '+', ' ', '#', '-0', '+0', '#0', ' 0', '-#']
        for w in ['', '1', '6', '12']
        for p in ['', '.0', '.1', '.3', '.12']]
specials = ['%(v).101f', '%(v).101e', '%(v).150g', '%(v).150G', '%(v)#.150g', '%(v).60e', '%(v).20g', '%(v).0e',
            '%(v).0f', '%(v)#.0f', '%(v).2e', '%(v).1g', '%(v)#.3g', '%(v).4g', '%(v)#x', '%(v)#X', '%(v)#.5o', '%(v)ld',
            '%(v)hd', '%(v)Ld', '%(v)99999999999999999999d', '%(v).99999999999999999999f', '%(v)9223372036854775808d',
            '%(v).9223372036854775808d', '%(v)*d', '%(v).*d', '%(v)5%']

def run(template, value):
    try:
        return ['ok', template % {'v': value}]
    except Exception as e:
        return ['err', str(e)]

random.seed(12)
cases = [[t, v, run(t, v)] for t in grid for v in values if random.random() < 0.05]
cases += [[t, v, run(t, v)] for t in specials for v in [0, 1, 25, 35, -5, 15, 95, 999, 9999995, 123456789, 1114112, 'x']]
json.dump(cases, sys.stdout, ensure_ascii=True, separators=(',', ':'))
