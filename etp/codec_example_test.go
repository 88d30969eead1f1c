package etp_test

import (
	"fmt"

	"github.com/etp-transfer/etp-transfer/etp"
)

// Frame a PutDataSubarrays request, then decode it as the receiver would.
func ExampleAppendMessage() {
	body := &etp.PutDataSubarrays{DataSubarrays: map[string]etp.PutDataSubarraysType{
		"0": {
			UID:    etp.DataArrayIdentifier{URI: "eml:///dataspace('demo')/eml20.obj_EpcExternalPartReference(0b7a8f1e-1c2d-4e5f-8a9b-0c1d2e3f4a5b)", PathInResource: "/RESQML/x/values"},
			Data:   etp.DoubleArray([]float64{1.5, 2.5, 3.5, 4.5}),
			Starts: []int64{0, 0},
			Counts: []int64{2, 2},
		},
	}}
	msg, h, err := etp.AppendMessage(nil, etp.MessageHeader{MessageID: 4, MessageFlags: etp.FlagFinalPart}, body, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(h, "compressed:", h.HasFlag(etp.FlagCompressed), "size:", len(msg))

	got, decoded, err := etp.DecodeMessage(msg, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	sub := decoded.(*etp.PutDataSubarrays).DataSubarrays["0"]
	fmt.Println(got.MessageID, sub.Data.Type, sub.Data.Doubles)
	// Output:
	// DataArray/5 id=4 corr=0 flags=0x2 compressed: false size: 168
	// 4 arrayOfDouble [1.5 2.5 3.5 4.5]
}

// Read capabilities sent as long or int.
func ExampleCapabilityInt64() {
	caps := map[string]etp.DataValue{
		"MaxWebSocketMessagePayloadSize": etp.Long(16777216),
		"ResponseTimeoutPeriod":          etp.Int(300),
	}
	size, _ := etp.CapabilityInt64(caps, "MaxWebSocketMessagePayloadSize")
	timeout, _ := etp.CapabilityInt64(caps, "ResponseTimeoutPeriod")
	_, ok := etp.CapabilityInt64(caps, "MaxPartSize")
	fmt.Println(size, timeout, ok)
	// Output: 16777216 300 false
}

func ExampleParseURI() {
	u, err := etp.ParseURI("eml:///dataspace('demo/Volve')/resqml20.obj_Grid2dRepresentation(49E4C1E1-891C-11EE-A655-4DA4D0F45A8A)")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(u.Dataspace, u.QualifiedType, u.UUID)
	fmt.Println(u)
	// Output:
	// demo/Volve resqml20.obj_Grid2dRepresentation 49e4c1e1-891c-11ee-a655-4da4d0f45a8a
	// eml:///dataspace('demo/Volve')/resqml20.obj_Grid2dRepresentation(49e4c1e1-891c-11ee-a655-4da4d0f45a8a)
}
