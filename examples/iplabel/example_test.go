package main

import "os"

// These examples run the command in-process, as a shell would.

func Example_validate() {
	run([]string{"validate", "--doi-config", "testdata/sample.conf",
		"86 0A 00 00 00 10 01 04 00 05 00 00", // DOI 16, tag 1, level 5
		"86 0A 00 00 00 09 01 04 00 05 00 00", // DOI 9 is not configured
	}, nil, os.Stdout, os.Stderr)
	// Output:
	// {"ok":true}
	// {"ok":false,"pointer":22,"error":"cipso: unknown DOI: doi at offset 2 (pointer 22)"}
}

func Example_decode() {
	run([]string{"decode", "86 0C 00 00 00 10 01 06 00 03 80 01"}, nil, os.Stdout, os.Stderr)
	// Output:
	// {"options":[{"offset":0,"type":134,"name":"cipso","length":12,"cipso":{"doi":16,"tags":[{"offset":6,"type":1,"level":3,"label":"s3:c0,c15","categories":[0,15]}]}}],"error":null}
}

func Example_encode() {
	run([]string{"encode", "--doi", "16", "--level", "3", "--categories", "0,15"}, nil, os.Stdout, os.Stderr)
	run([]string{"encode", "--nsid", "ssid=0x12341234,node=1"}, nil, os.Stdout, os.Stderr)
	run([]string{"encode", "--bso", "level=secret,authorities=genser+nsa"}, nil, os.Stdout, os.Stderr)
	// Output:
	// 860c00000010010600038001
	// 861410001000070e030612341234060600000001
	// 82045a90
}

func Example_dump() {
	run([]string{"dump", "--doi-config", "testdata/sample.conf", "testdata/sample.pcap"}, nil, os.Stdout, os.Stderr)
	// Output:
	// 1  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 16: restricted bitmap s3:c0,c5  valid
	// 2  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 16: enumerated s3:c1,c5,c300  valid
	// 3  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 16: ranged s5:c0.c3,c10.c20  valid
	// 4  192.0.2.2 > 192.0.2.1  udp  CIPSO DOI 16: restricted bitmap s2:c7  valid
	// 5  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 16: permissive bitmap s4:c1,c2  INVALID pointer 26: cipso: tag type not allowed: tag type at offset 6 (pointer 26)
	// 6  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 268439552: network SID ssid=305402420 node=1  valid (DSM receiver rules)
	// 7  127.0.0.1 > 127.0.0.1  udp  CIPSO DOI 5: local secid 42  valid
	// 8  192.0.2.2 > 192.0.2.1  udp  CIPSO DOI 3: restricted bitmap s2:c0,c9 (host s7:c100,c200)  valid
	// 9  192.0.2.1 > 192.0.2.2  udp  BSO secret genser+nsa; ESO format 1 data ab  valid
	// 10  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 16: enumerated s5:c1,c5  INVALID pointer 30: cipso: categories out of order: categories at offset 10 (pointer 30)
	// 11  192.0.2.2 > 192.0.2.1  udp  ra; CIPSO DOI 16: restricted bitmap s1  valid
	// 12  192.0.2.1 > 192.0.2.2  udp  CIPSO DOI 16: restricted bitmap s3; padding after EOL ab  valid
	// 13  192.0.2.1 > 192.0.2.2  icmp  no label  valid
	// 14  not IPv4 (protocol 0x0806)
}
